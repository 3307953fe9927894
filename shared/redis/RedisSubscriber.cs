using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Redis.Connections;

namespace Roomcast.Redis;

/// <summary>
/// The subscriber connection: <c>SUBSCRIBE</c> / <c>PSUBSCRIBE</c> on a connection of its own, with a
/// handler per subscription. Several handlers may share a channel; Redis is subscribed while at least
/// one is left. After a lost connection the subscriber reconnects on its own and subscribes every
/// channel and pattern again before it reports <see cref="RedisConnectionState.Connected"/>; messages
/// published while it was disconnected are lost (pub/sub is at most once). Subscribing while
/// disconnected fails at once with <see cref="RedisConnectionException"/>.
/// </summary>
/// <remarks>
/// Handlers run one at a time on the connection's read loop, in publish order: they must be quick and
/// never block (hand slow work to a queue). A handler that throws is logged and keeps its subscription.
/// The message memory belongs to the handler and stays valid after it returns.
/// </remarks>
public sealed class RedisSubscriber : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RedisSubscription[]> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisSubscription[]> _patterns = new(StringComparer.Ordinal);

    /// <summary>One change of subscriptions at a time, and none during a restore: keeps the server and the registry in step.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    private readonly ConnectionSupervisor _supervisor;
    private readonly ILogger _logger;
    private readonly string _endpoint;

    /// <summary>The connection the registry is subscribed on; guarded by <see cref="_gate"/>.</summary>
    private RespConnection? _subscribedOn;

    private RedisSubscriber(RedisOptions options, ILogger logger)
    {
        _logger = logger;
        _endpoint = options.Endpoint;
        _supervisor = new ConnectionSupervisor(this, options, "subscriber", logger, TryDeliver, RestoreAsync);
    }

    /// <summary>Reports every change of <see cref="State"/>; <see cref="RedisConnectionState.Connected"/> comes after the subscriptions are restored.</summary>
    public event EventHandler<RedisConnectionStateChangedEventArgs>? StateChanged
    {
        add => _supervisor.StateChanged += value;
        remove => _supervisor.StateChanged -= value;
    }

    public RedisConnectionState State => _supervisor.State;

    /// <summary>Validates <paramref name="options"/> and connects, like <see cref="RedisConnection.ConnectAsync"/>.</summary>
    public static async Task<RedisSubscriber> ConnectAsync(
        RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        var subscriber = new RedisSubscriber(options.Snapshot(), logger ?? NullLogger.Instance);
        await subscriber._supervisor.StartAsync(cancellationToken).ConfigureAwait(false);
        return subscriber;
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with (channel, message) for every message published to
    /// <paramref name="channel"/> from the moment the returned task completes (Redis confirmed it).
    /// </summary>
    public Task<RedisSubscription> SubscribeAsync(string channel, Action<string, ReadOnlyMemory<byte>> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        return AddAsync(new RedisSubscription(this, channel, isPattern: false, handler));
    }

    /// <summary>As <see cref="SubscribeAsync"/>, for every channel matching the glob-style <paramref name="pattern"/>; the handler gets the actual channel.</summary>
    public Task<RedisSubscription> PSubscribeAsync(string pattern, Action<string, ReadOnlyMemory<byte>> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(handler);
        return AddAsync(new RedisSubscription(this, pattern, isPattern: true, handler));
    }

    /// <summary>Closes the connection; handlers are not called afterwards.</summary>
    public async ValueTask DisposeAsync()
    {
        await _supervisor.DisposeAsync().ConfigureAwait(false);
        _channels.Clear();
        _patterns.Clear();
    }

    internal async Task RemoveAsync(RedisSubscription subscription)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var registry = RegistryOf(subscription);
            if (!registry.TryGetValue(subscription.Channel, out var handlers) || !handlers.Contains(subscription))
            {
                return;
            }
            if (handlers.Length > 1)
            {
                registry[subscription.Channel] = [.. handlers.Where(handler => handler != subscription)];
                return;
            }
            registry.TryRemove(subscription.Channel, out _);
            if (_subscribedOn is not { IsOpen: true } connection)
            {
                return; // the lost connection took the server's subscription with it, and the restore will not bring it back
            }
            try
            {
                await connection.SendAsync(UnsubscribeCommand(subscription), [subscription.Channel]).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                _logger.UnsubscribeFailed(subscription.Channel, exception.Message);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<RedisSubscription> AddAsync(RedisSubscription subscription)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_subscribedOn is not { IsOpen: true } connection)
            {
                throw _supervisor.NotConnected();
            }
            var registry = RegistryOf(subscription);
            if (registry.TryGetValue(subscription.Channel, out var handlers))
            {
                registry[subscription.Channel] = [.. handlers, subscription];
                return subscription;
            }

            // Registered first, so a message right after Redis's confirmation finds its handler.
            registry[subscription.Channel] = [subscription];
            try
            {
                await connection.SendAsync(SubscribeCommand(subscription), [subscription.Channel]).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                registry.TryRemove(subscription.Channel, out _);
                if (exception is TimeoutException)
                {
                    // Redis may still carry it out: take it back, so the server holds nothing the registry does not.
                    ObserveQuietly(connection.SendAsync(UnsubscribeCommand(subscription), [subscription.Channel]));
                }
                throw;
            }
            return subscription;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs on every new connection before it is published: subscribes everything in the registry, pipelined.</summary>
    private async Task RestoreAsync(RespConnection connection, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channels = _channels.Keys.ToArray();
            var patterns = _patterns.Keys.ToArray();
            var confirmations = new List<Task>(channels.Length + patterns.Length);
            confirmations.AddRange(channels.Select(channel => connection.SendAsync("SUBSCRIBE", [channel])));
            confirmations.AddRange(patterns.Select(pattern => connection.SendAsync("PSUBSCRIBE", [pattern])));
            await Task.WhenAll(confirmations).ConfigureAwait(false);
            _subscribedOn = connection;
            if (confirmations.Count > 0)
            {
                _logger.SubscriptionsRestored(channels.Length, patterns.Length, _endpoint);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Claims <c>message</c> and <c>pmessage</c> frames for the handlers; every other frame is a reply to a command.</summary>
    private bool TryDeliver(RedisValue frame)
    {
        if (frame.Kind != RedisValueKind.Array)
        {
            return false;
        }
        var parts = frame.AsArray();
        if (parts.Count == 3 && IsBulk(parts[0], "message"u8))
        {
            var channel = parts[1].AsString()!;
            Deliver(_channels, channel, channel, parts[2].AsBytes());
            return true;
        }
        if (parts.Count == 4 && IsBulk(parts[0], "pmessage"u8))
        {
            Deliver(_patterns, parts[1].AsString()!, parts[2].AsString()!, parts[3].AsBytes());
            return true;
        }
        return false;
    }

    private void Deliver(ConcurrentDictionary<string, RedisSubscription[]> registry, string subscribed, string channel, ReadOnlyMemory<byte> message)
    {
        if (!registry.TryGetValue(subscribed, out var handlers))
        {
            return; // unsubscribed a moment ago
        }
        foreach (var handler in handlers)
        {
            try
            {
                handler.Deliver(channel, message);
            }
            catch (Exception exception)
            {
                _logger.HandlerFailed(channel, exception);
            }
        }
    }

    private ConcurrentDictionary<string, RedisSubscription[]> RegistryOf(RedisSubscription subscription) =>
        subscription.IsPattern ? _patterns : _channels;

    private static string SubscribeCommand(RedisSubscription subscription) => subscription.IsPattern ? "PSUBSCRIBE" : "SUBSCRIBE";

    private static string UnsubscribeCommand(RedisSubscription subscription) => subscription.IsPattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE";

    private static bool IsBulk(RedisValue value, ReadOnlySpan<byte> text) =>
        value.Kind == RedisValueKind.BulkString && value.AsBytes().Span.SequenceEqual(text);

    private static void ObserveQuietly(Task task) =>
        task.ContinueWith(static ended => _ = ended.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
