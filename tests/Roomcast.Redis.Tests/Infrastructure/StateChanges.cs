using System.Threading.Channels;

namespace Roomcast.Redis.Tests.Infrastructure;

/// <summary>Records the <c>StateChanged</c> events of a connection, to wait for them with a bound.</summary>
internal sealed class StateChanges
{
    private readonly Channel<RedisConnectionStateChangedEventArgs> _changes = Channel.CreateUnbounded<RedisConnectionStateChangedEventArgs>();

    public static StateChanges Of(RedisConnection connection)
    {
        var changes = new StateChanges();
        connection.StateChanged += changes.Record;
        return changes;
    }

    public static StateChanges Of(RedisSubscriber subscriber)
    {
        var changes = new StateChanges();
        subscriber.StateChanged += changes.Record;
        return changes;
    }

    /// <summary>Skips other changes until <paramref name="state"/>; fails after <see cref="TestRedis.Patience"/>.</summary>
    public async Task<RedisConnectionStateChangedEventArgs> WaitForAsync(RedisConnectionState state)
    {
        using var patience = new CancellationTokenSource(TestRedis.Patience);
        try
        {
            while (true)
            {
                var change = await _changes.Reader.ReadAsync(patience.Token);
                if (change.State == state)
                {
                    return change;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The connection did not become {state} within {TestRedis.Patience.TotalSeconds} s.");
        }
    }

    private void Record(object? sender, RedisConnectionStateChangedEventArgs change) => _changes.Writer.TryWrite(change);
}
