using System.Threading.Channels;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// Hands every message of an instance's subscriptions to its handler from one loop, one at a time, in
/// the order Redis sent them, across channels. That order matters: a membership move or a root access
/// change is published before the event it concerns and must be applied first, and a send on one
/// channel is followed by a send on another in the order they were made.
/// </summary>
/// <remarks>
/// StackExchange.Redis writes each channel's messages into that channel's queue on the thread that reads
/// the subscription connection, in arrival order, but each queue is read on its own. So every queue
/// always has a read waiting whose continuation runs inline (<see cref="Inline"/>) on the thread that
/// completes it — that reader thread, as it writes the message — and there the message joins one queue
/// for all channels, and the next read is registered.
/// </remarks>
internal sealed class SubscriptionDispatch : IAsyncDisposable
{
    private readonly Channel<(Source Source, RedisValue Message)> _arrived =
        Channel.CreateUnbounded<(Source, RedisValue)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly Task _loop;

    public SubscriptionDispatch(ILogger logger)
    {
        _logger = logger;
        _loop = Task.Run(HandleAllAsync);
    }

    /// <summary>Hands <paramref name="queue"/>'s messages to <paramref name="handler"/> until it is unsubscribed.</summary>
    public void Add(ChannelMessageQueue queue, string channel, Action<string, ReadOnlyMemory<byte>> handler)
    {
        lock (_gate)
        {
            WaitForNext(new Source(queue, channel, handler));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _arrived.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task HandleAllAsync()
    {
        await foreach (var (source, message) in _arrived.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                source.Handler(source.Channel, (ReadOnlyMemory<byte>)message);
            }
            catch (Exception exception)
            {
                _logger.HandlerFailed(source.Channel, exception);
            }
        }
    }

    /// <summary>Takes what the queue holds already, then registers a read that completes inline. Under <see cref="_gate"/>.</summary>
    private void WaitForNext(Source source)
    {
        while (true)
        {
            var read = source.Queue.ReadAsync();
            if (!read.IsCompleted)
            {
                var context = SynchronizationContext.Current;
                SynchronizationContext.SetSynchronizationContext(Inline.Instance);
                try
                {
                    read.GetAwaiter().OnCompleted(() => OnRead(source, read));
                }
                finally
                {
                    SynchronizationContext.SetSynchronizationContext(context);
                }
                return;
            }
            if (!TryTake(source, read))
            {
                return;
            }
        }
    }

    /// <summary>Runs on the thread that wrote the message (or completed the queue); the lock keeps a read completing during its registration in order.</summary>
    private void OnRead(Source source, ValueTask<ChannelMessage> read)
    {
        lock (_gate)
        {
            if (TryTake(source, read))
            {
                WaitForNext(source);
            }
        }
    }

    /// <returns>false when the queue was completed: the channel was unsubscribed.</returns>
    private bool TryTake(Source source, ValueTask<ChannelMessage> read)
    {
        try
        {
            _arrived.Writer.TryWrite((source, read.Result.Message));
            return true;
        }
        catch (Exception exception) when (exception is ChannelClosedException or OperationCanceledException)
        {
            return false;
        }
    }

    private sealed record Source(ChannelMessageQueue Queue, string Channel, Action<string, ReadOnlyMemory<byte>> Handler);

    /// <summary>Runs a continuation where it is posted: the queue's reads complete on the thread that writes to it.</summary>
    private sealed class Inline : SynchronizationContext
    {
        public static readonly Inline Instance = new();

        public override void Post(SendOrPostCallback d, object? state) => d(state);
    }
}
