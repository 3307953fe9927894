using Microsoft.Extensions.Logging;

namespace Roomcast.Redis.Connections;

/// <summary>Everything the client logs, with stable event ids. Never arguments, values or passwords.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected the {Role} connection to Redis at {Endpoint}")]
    public static partial void Connected(this ILogger logger, string role, string endpoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Lost the {Role} connection to Redis at {Endpoint}: {Reason}")]
    public static partial void ConnectionLost(this ILogger logger, string role, string endpoint, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Reconnecting the {Role} connection to Redis at {Endpoint} in {DelayMs} ms (attempt {Attempt})")]
    public static partial void ReconnectAttempt(this ILogger logger, string role, string endpoint, long delayMs, int attempt);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
        Message = "Attempt {Attempt} to reconnect the {Role} connection to Redis at {Endpoint} failed: {Reason}")]
    public static partial void ReconnectFailed(this ILogger logger, int attempt, string role, string endpoint, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information,
        Message = "Reconnected the {Role} connection to Redis at {Endpoint} after {Attempts} attempts and {DowntimeMs} ms")]
    public static partial void Reconnected(this ILogger logger, string role, string endpoint, int attempts, long downtimeMs);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information,
        Message = "Restored {Channels} channel and {Patterns} pattern subscriptions on Redis at {Endpoint}")]
    public static partial void SubscriptionsRestored(this ILogger logger, int channels, int patterns, string endpoint);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "A handler of Redis channel {Channel} failed; the subscription goes on")]
    public static partial void HandlerFailed(this ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "A handler of the Redis connection's StateChanged event failed")]
    public static partial void StateHandlerFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Could not unsubscribe from Redis channel {Channel}: {Reason}")]
    public static partial void UnsubscribeFailed(this ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Closed the {Role} connection to Redis at {Endpoint}")]
    public static partial void Closed(this ILogger logger, string role, string endpoint);
}
