using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// The channels this instance wants to hear, and their Redis subscriptions. Wanting a channel never
/// fails: while Redis is unreachable the subscription stays pending and is made as soon as the
/// subscriber connects again (StackExchange.Redis itself restores the subscriptions it already had).
/// </summary>
internal sealed class ChannelSubscriptions : IAsyncDisposable
{
    private readonly Dictionary<string, Wanted> _wanted = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly BackplaneRedis _redis;
    private readonly ILogger _logger;
    private int _retrying;
    private bool _disposed;

    public ChannelSubscriptions(BackplaneRedis redis, ILogger logger)
    {
        _redis = redis;
        _logger = logger;
        _redis.SubscriberConnected += OnSubscriberConnected;
    }

    /// <summary>Subscribes <paramref name="channel"/> unless it is wanted already; a failure leaves it pending and is logged, not thrown.</summary>
    public async Task SubscribeAsync(string channel, Action<string, ReadOnlyMemory<byte>> handler)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_wanted.ContainsKey(channel))
            {
                return;
            }
            var wanted = new Wanted(handler);
            _wanted[channel] = wanted;
            await TrySubscribeAsync(channel, wanted).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _redis.SubscriberConnected -= OnSubscriberConnected;
        _disposed = true;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var (channel, wanted) in _wanted)
            {
                if (wanted.Subscription is { } subscription)
                {
                    await DisposeQuietlyAsync(channel, subscription).ConfigureAwait(false);
                }
            }
            _wanted.Clear();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void OnSubscriberConnected() => _ = SubscribePendingAsync();

    /// <summary>
    /// Subscribes every pending channel; what still fails (Redis went away again, a reply timed out)
    /// is tried again with backoff until nothing is pending, so no channel stays deaf after Redis is back.
    /// </summary>
    private async Task SubscribePendingAsync()
    {
        if (Interlocked.Exchange(ref _retrying, 1) == 1)
        {
            return; // one loop at a time does it
        }
        try
        {
            var delay = TimeSpan.FromMilliseconds(100);
            while (!_disposed && await TrySubscribePendingAsync() > 0)
            {
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _redis.Options.ReconnectMaxDelay.Ticks));
            }
        }
        catch (Exception exception) when (!_disposed)
        {
            // Not a Redis outage (those are retried above): say so, or the pending channels stay deaf unseen.
            _logger.SubscribePending("(every pending channel)", $"{exception.GetType().Name}: {exception.Message}");
        }
        finally
        {
            Volatile.Write(ref _retrying, 0);
        }
    }

    /// <returns>How many channels are still pending.</returns>
    private async Task<int> TrySubscribePendingAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            int subscribed = 0, pending = 0;
            foreach (var (channel, wanted) in _wanted)
            {
                if (wanted.Subscription is not null)
                {
                    continue;
                }
                if (await TrySubscribeAsync(channel, wanted).ConfigureAwait(false))
                {
                    subscribed++;
                }
                else
                {
                    pending++;
                }
            }
            if (subscribed > 0)
            {
                _logger.PendingSubscribed(subscribed);
            }
            return pending;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> TrySubscribeAsync(string channel, Wanted wanted)
    {
        try
        {
            wanted.Subscription = await _redis.SubscribeAsync(channel, wanted.Handler).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            _logger.SubscribePending(channel, exception.Message);
            if (_redis.IsSubscriberConnected)
            {
                _ = Task.Run(SubscribePendingAsync); // a failure while connected: no reconnect will come to retry it
            }
            return false;
        }
    }

    private async Task DisposeQuietlyAsync(string channel, ChannelMessageQueue subscription)
    {
        try
        {
            await subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            _logger.UnsubscribeFailed(channel, exception.Message);
        }
    }

    private sealed class Wanted(Action<string, ReadOnlyMemory<byte>> handler)
    {
        public Action<string, ReadOnlyMemory<byte>> Handler { get; } = handler;

        public ChannelMessageQueue? Subscription { get; set; }
    }
}
