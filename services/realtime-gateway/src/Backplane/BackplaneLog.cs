namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>Everything the backplane logs, with stable event ids (1xx, apart from the hub's and the consumers' own).</summary>
internal static partial class BackplaneLog
{
    [LoggerMessage(EventId = GatewayLogEvents.BackplaneConnected, Level = LogLevel.Information, Message = "Backplane of instance {ServerName} connected to Redis at {Endpoint} (channel prefix {ChannelPrefix})")]
    public static partial void Connected(this ILogger logger, string serverName, string endpoint, string channelPrefix);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneConnectFailed, Level = LogLevel.Warning, Message = "Backplane could not reach Redis at {Endpoint} ({Reason}); it keeps trying in the background. Local delivery goes on; cross-instance sends fail until then")]
    public static partial void ConnectFailed(this ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneLost, Level = LogLevel.Warning, Message = "Backplane lost Redis ({Reason}): local delivery goes on, cross-instance sends fail fast until it is back")]
    public static partial void Lost(this ILogger logger, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneRestored, Level = LogLevel.Information, Message = "Backplane reached Redis again after {Away}; cross-instance delivery resumes")]
    public static partial void Restored(this ILogger logger, TimeSpan away);

    [LoggerMessage(EventId = GatewayLogEvents.BackplanePublishFailed, Level = LogLevel.Warning, Message = "Cross-instance {Operation} on {Channel} failed: {Reason}")]
    public static partial void PublishFailed(this ILogger logger, string operation, string channel, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneSubscribePending, Level = LogLevel.Warning, Message = "Subscription to {Channel} is pending until Redis is back: {Reason}")]
    public static partial void SubscribePending(this ILogger logger, string channel, string reason);

    [LoggerMessage(EventId = GatewayLogEvents.BackplanePendingSubscribed, Level = LogLevel.Information, Message = "Backplane subscribed {Count} pending channels after Redis came back")]
    public static partial void PendingSubscribed(this ILogger logger, int count);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneHandlerFailed, Level = LogLevel.Error, Message = "Backplane message on {Channel} could not be handled")]
    public static partial void HandlerFailed(this ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = GatewayLogEvents.NoBackplane, Level = LogLevel.Warning, Message = "Gateway runs without a backplane (Redis__Endpoint is not set): a single instance, delivering to its own connections only")]
    public static partial void NoBackplane(this ILogger logger);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneUnsubscribeFailed, Level = LogLevel.Warning, Message = "Unsubscribing {Channel} failed: {Reason}")]
    public static partial void UnsubscribeFailed(this ILogger logger, string channel, string reason);
}
