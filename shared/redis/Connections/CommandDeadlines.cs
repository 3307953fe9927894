using System.Collections.Concurrent;

namespace Roomcast.Redis.Connections;

/// <summary>
/// Fails commands that have waited longer than the command timeout with a <see cref="TimeoutException"/>,
/// whether they are still queued for writing or already sent. Commands are tracked in the order they
/// were issued, which, with one timeout for all, is deadline order: a sweep only looks at the head.
/// A timed-out command's late reply is still consumed in order by the connection, and ignored.
/// </summary>
internal sealed class CommandDeadlines : IAsyncDisposable
{
    private readonly ConcurrentQueue<PendingCommand> _tracked = new();
    private readonly long _timeoutMs;
    private readonly string _endpoint;
    private readonly PeriodicTimer _timer;
    private readonly Task _sweeping;

    public CommandDeadlines(TimeSpan timeout, string endpoint)
    {
        _timeoutMs = (long)Math.Ceiling(timeout.TotalMilliseconds);
        _endpoint = endpoint;
        // A tenth of the timeout, within 5..100 ms: a command fails at most that much after its deadline.
        _timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(_timeoutMs / 10, 5, 100)));
        _sweeping = SweepAsync();
    }

    public long NextDeadline() => Environment.TickCount64 + _timeoutMs;

    public void Track(PendingCommand command) => _tracked.Enqueue(command);

    public async ValueTask DisposeAsync()
    {
        _timer.Dispose();
        await _sweeping.ConfigureAwait(false);
    }

    private async Task SweepAsync()
    {
        while (await _timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            Sweep(Environment.TickCount64);
        }
    }

    private void Sweep(long now)
    {
        // Only this loop dequeues, so the head seen by TryPeek is the one TryDequeue removes.
        while (_tracked.TryPeek(out var head) && (head.Task.IsCompleted || head.Deadline <= now))
        {
            _tracked.TryDequeue(out _);
            if (!head.Task.IsCompleted)
            {
                head.TrySetException(new TimeoutException(
                    $"Redis at {_endpoint} did not answer {head.Name} within {_timeoutMs} ms."));
            }
        }
    }
}
