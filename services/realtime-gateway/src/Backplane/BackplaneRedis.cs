using Roomcast.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// This instance's two connections to Redis (commands and subscriptions), shared by the lifetime
/// manager and the audience broadcast. Started with the host; a Redis that is down at start is tried
/// again in the background with backoff, so the gateway starts and delivers locally meanwhile.
/// Publishing and subscribing fail at once while Redis is unreachable.
/// </summary>
public sealed class BackplaneRedis : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _audienceSubscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RedisConnection? _commands;
    private RedisSubscriber? _subscriber;
    private Task? _connecting;

    public BackplaneRedis(BackplaneOptions options, string serverName, ILogger<BackplaneRedis> logger)
    {
        Options = options;
        ServerName = serverName;
        Channels = new BackplaneChannels(options.ChannelPrefix);
        _logger = logger;
    }

    /// <summary>Raised on a background thread when the subscriber is connected: the first time, and after every reconnect.</summary>
    public event Action? SubscriberConnected;

    public BackplaneOptions Options { get; }

    /// <summary>Names this instance in group commands and acknowledgements; unique per running instance.</summary>
    public string ServerName { get; }

    public BackplaneChannels Channels { get; }

    /// <summary>The subscriber connection's state; <see cref="RedisConnectionState.Disconnected"/> before the first connection.</summary>
    public RedisConnectionState SubscriberState => _subscriber?.State ?? RedisConnectionState.Disconnected;

    /// <summary>Completes once both connections are up the first time.</summary>
    public Task Connected => _connected.Task;

    /// <summary>
    /// Completes the first time Redis confirms a subscription to <see cref="BackplaneChannels.Audience"/>:
    /// from then on this instance hears the events the others publish (readiness waits for it).
    /// </summary>
    public Task AudienceSubscribed => _audienceSubscribed.Task;

    /// <summary>Starts connecting and waits up to one connect timeout for it; connecting goes on in the background after that.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _connecting ??= ConnectUntilDoneAsync(_stopping.Token);
        await Task.WhenAny(Connected, Task.Delay(Options.CommandTimeout, cancellationToken)).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long> PublishAsync(string channel, ReadOnlyMemory<byte> message) => _commands is { } commands
        ? commands.PublishAsync(channel, message)
        : Task.FromException<long>(NotConnectedYet());

    /// <summary>Runs a Lua script on the command connection (the event history keeps its state this way).</summary>
    public Task<RedisValue> EvalAsync(RedisScript script, IReadOnlyList<string> keys, IReadOnlyList<RedisArgument> arguments) => _commands is { } commands
        ? commands.EvalAsync(script, keys, arguments)
        : Task.FromException<RedisValue>(NotConnectedYet());

    public async Task<RedisSubscription> SubscribeAsync(string channel, Action<string, ReadOnlyMemory<byte>> handler)
    {
        var subscriber = _subscriber ?? throw NotConnectedYet();
        var subscription = await subscriber.SubscribeAsync(channel, handler).ConfigureAwait(false);
        if (!_audienceSubscribed.Task.IsCompleted && string.Equals(channel, Channels.Audience, StringComparison.Ordinal))
        {
            _audienceSubscribed.TrySetResult();
        }
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_connecting is not null)
        {
            await _connecting.ConfigureAwait(false);
        }
        if (_subscriber is not null)
        {
            await _subscriber.DisposeAsync().ConfigureAwait(false);
        }
        if (_commands is not null)
        {
            await _commands.DisposeAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private async Task ConnectUntilDoneAsync(CancellationToken stopping)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stopping.IsCancellationRequested)
        {
            RedisConnection? commands = null;
            try
            {
                commands = await RedisConnection.ConnectAsync(Options.ClientOptions($"gateway-{ServerName}"), _logger, stopping).ConfigureAwait(false);
                var subscriber = await RedisSubscriber.ConnectAsync(Options.ClientOptions($"gateway-{ServerName}-sub"), _logger, stopping).ConfigureAwait(false);
                _commands = commands;
                _subscriber = subscriber;
                subscriber.StateChanged += OnSubscriberStateChanged;
                _logger.Connected(ServerName, Options.Endpoint, Options.ChannelPrefix);
                _connected.TrySetResult();
                SubscriberConnected?.Invoke();
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                if (commands is not null)
                {
                    await commands.DisposeAsync().ConfigureAwait(false);
                }
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
            {
                if (commands is not null)
                {
                    await commands.DisposeAsync().ConfigureAwait(false);
                }
                _logger.ConnectFailed(Options.Endpoint, exception.Message, delay);
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Options.ReconnectMaxDelay.Ticks));
            }
        }
    }

    private void OnSubscriberStateChanged(object? sender, RedisConnectionStateChangedEventArgs change)
    {
        switch (change.State)
        {
            case RedisConnectionState.Disconnected:
                _logger.Lost(change.Failure?.Message);
                break;
            case RedisConnectionState.Connected:
                _logger.Restored();
                SubscriberConnected?.Invoke();
                break;
        }
    }

    private static RedisConnectionException NotConnectedYet() =>
        new("The backplane has not reached Redis yet; it keeps trying in the background.");
}
