namespace Roomcast.Redis;

/// <summary>One handler on one channel or pattern of a <see cref="RedisSubscriber"/>. Dispose it to unsubscribe.</summary>
public sealed class RedisSubscription : IAsyncDisposable
{
    private readonly RedisSubscriber _subscriber;
    private readonly Action<string, ReadOnlyMemory<byte>> _handler;
    private int _disposed;

    internal RedisSubscription(RedisSubscriber subscriber, string channel, bool isPattern, Action<string, ReadOnlyMemory<byte>> handler)
    {
        _subscriber = subscriber;
        Channel = channel;
        IsPattern = isPattern;
        _handler = handler;
    }

    /// <summary>The channel, or the pattern for a pattern subscription.</summary>
    public string Channel { get; }

    public bool IsPattern { get; }

    internal void Deliver(string channel, ReadOnlyMemory<byte> message) => _handler(channel, message);

    /// <summary>
    /// Removes the handler; when it was the last one on its channel, unsubscribes on the server and
    /// completes once Redis confirmed it. Never throws for a lost connection (it took the subscription with it).
    /// </summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0
        ? new ValueTask(_subscriber.RemoveAsync(this))
        : ValueTask.CompletedTask;
}
