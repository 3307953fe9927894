using System.Diagnostics;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// This instance's access to Redis, over its one multiplexer, shared by the event broker, membership,
/// root access and presence. The multiplexer connects in
/// the background, so the gateway starts and delivers locally while Redis is away; publishing, scripts
/// and subscribing fail at once while Redis is unreachable.
/// </summary>
public sealed class BackplaneRedis : IHostedService, IAsyncDisposable
{
    private readonly IConnectionMultiplexer _multiplexer;
    private readonly ISubscriber _subscriber;
    private readonly IDatabase _database;
    private readonly ILogger _logger;
    private readonly SubscriptionDispatch _dispatch;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _audienceSubscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _subscriberState = new();
    private bool _subscriberUp;
    private long _subscriberLostAt;
    private int _disposed;

    public BackplaneRedis(BackplaneOptions options, string serverName, IConnectionMultiplexer multiplexer, ILogger<BackplaneRedis> logger)
    {
        Options = options;
        ServerName = serverName;
        Channels = new BackplaneChannels(options.ChannelPrefix);
        _multiplexer = multiplexer;
        _subscriber = multiplexer.GetSubscriber();
        _database = multiplexer.GetDatabase();
        _logger = logger;
        _dispatch = new SubscriptionDispatch(logger);
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Raised on a background thread when the subscription connection is up: the first time, and after every reconnect.</summary>
    public event Action? SubscriberConnected;

    /// <summary>
    /// Raised on a background thread when the subscription connection that was up is lost: from then on
    /// this instance hears nothing the others publish until <see cref="SubscriberReconnected"/>.
    /// </summary>
    public event Action? SubscriberLost;

    /// <summary>
    /// Raised on a background thread, after <see cref="SubscriberConnected"/>, when the subscription
    /// connection is up again after it was lost (never on the first connect), with how long it was away
    /// as this instance saw it. Whatever was published meanwhile never reached this instance: pub/sub
    /// keeps nothing for a subscriber that is away.
    /// </summary>
    /// <remarks>
    /// StackExchange.Redis raises <c>ConnectionRestored</c> for every new physical subscription
    /// connection (the first one too), so this covers <c>CLIENT KILL TYPE pubsub</c>, a redis-server
    /// restart (both tested in <c>BackplaneGapTests</c>) and a failover to another endpoint alike; it
    /// sends the subscriptions it had again before it raises the event.
    /// </remarks>
    public event Action<TimeSpan>? SubscriberReconnected;

    public BackplaneOptions Options { get; }

    /// <summary>Names this instance as the origin of its announcements and in its probe key; unique per running instance.</summary>
    public string ServerName { get; }

    public BackplaneChannels Channels { get; }

    /// <summary>Whether the subscription connection is up now.</summary>
    public bool IsSubscriberConnected => _subscriber.IsConnected();

    /// <summary>Completes once Redis is reached the first time.</summary>
    public Task Connected => _connected.Task;

    /// <summary>
    /// Completes the first time Redis confirms a subscription to <see cref="BackplaneChannels.Audience"/>:
    /// from then on this instance hears the events the others publish (readiness waits for it).
    /// </summary>
    public Task AudienceSubscribed => _audienceSubscribed.Task;

    /// <summary>Waits up to one command timeout for the first connection; connecting goes on in the background after that.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The multiplexer may have connected before this instance listened to its events.
        if (_subscriber.IsConnected())
        {
            OnSubscriberUp();
        }
        await Task.WhenAny(Connected, Task.Delay(Options.CommandTimeout, cancellationToken)).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> message) =>
        _subscriber.PublishAsync(RedisChannel.Literal(channel), message);

    /// <summary>
    /// Writes a short-lived key on the command connection: fails while Redis is away, and also while it
    /// cannot take writes (a read-only replica, a primary without its replicas), which a PING would not tell.
    /// </summary>
    public Task ProbeWriteAsync() => _database.StringSetAsync($"{Channels.Prefix}:probe:{ServerName}", 1, TimeSpan.FromSeconds(1));

    /// <summary>Runs a Lua script (sent by its SHA1, and in full when Redis does not know it yet); the event history keeps its state this way.</summary>
    public Task<RedisResult> EvalAsync(string script, RedisKey[] keys, RedisValue[] arguments) =>
        _database.ScriptEvaluateAsync(script, keys, arguments);

    /// <summary>
    /// Subscribes <paramref name="channel"/> and completes once Redis confirmed it; <paramref name="handler"/>
    /// gets its messages one at a time, in publish order across every channel of this instance
    /// (<see cref="SubscriptionDispatch"/>): keep it quick. The library subscribes again by itself after a
    /// reconnect. Unsubscribe through the returned queue.
    /// </summary>
    public async Task<ChannelMessageQueue> SubscribeAsync(string channel, Action<string, ReadOnlyMemory<byte>> handler)
    {
        var name = RedisChannel.Literal(channel);
        ChannelMessageQueue queue;
        try
        {
            queue = await _subscriber.SubscribeAsync(name).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The library keeps a subscription that failed, with a queue nobody would read: the caller tries again itself.
            await _subscriber.UnsubscribeAsync(name, handler: null, CommandFlags.FireAndForget).ConfigureAwait(false);
            throw;
        }
        _dispatch.Add(queue, channel, handler);
        if (channel == Channels.Audience)
        {
            _audienceSubscribed.TrySetResult();
        }
        return queue;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _multiplexer.ConnectionFailed -= OnConnectionFailed;
        _multiplexer.ConnectionRestored -= OnConnectionRestored;
        await _dispatch.DisposeAsync().ConfigureAwait(false);
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs failure)
    {
        if (failure.ConnectionType != ConnectionType.Subscription)
        {
            return;
        }
        bool lost;
        lock (_subscriberState)
        {
            lost = _subscriberUp;
            _subscriberUp = false;
            if (lost)
            {
                _subscriberLostAt = Stopwatch.GetTimestamp();
            }
        }
        if (lost)
        {
            _logger.Lost(failure.Exception?.Message ?? failure.FailureType.ToString());
            SubscriberLost?.Invoke();
            // The library raises its events on worker threads, so after a quick reconnect the restore may
            // have been handled before this failure (and ignored: the subscriber was up). The library marks
            // a connection disconnected before it reports the failure, so a subscriber that is connected
            // now is the new connection: it came back now.
            if (_subscriber.IsConnected())
            {
                OnSubscriberUp();
            }
        }
        else if (!Connected.IsCompleted)
        {
            _logger.ConnectFailed(Options.EndpointForLogs, failure.Exception?.Message ?? failure.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs restored)
    {
        if (restored.ConnectionType == ConnectionType.Subscription)
        {
            OnSubscriberUp();
        }
    }

    private void OnSubscriberUp()
    {
        TimeSpan? away;
        lock (_subscriberState)
        {
            if (_subscriberUp)
            {
                return;
            }
            _subscriberUp = true;
            away = _connected.TrySetResult() ? null : Stopwatch.GetElapsedTime(_subscriberLostAt);
        }
        if (away is { } gap)
        {
            _logger.Restored(gap);
        }
        else
        {
            _logger.Connected(ServerName, Options.EndpointForLogs, Options.ChannelPrefix);
        }
        SubscriberConnected?.Invoke();
        if (away is { } reconnected)
        {
            SubscriberReconnected?.Invoke(reconnected);
        }
    }
}
