namespace Roomcast.RealtimeGateway.Connections;

/// <summary>
/// Closes many connections for one reason with their close messages spread evenly over a window, so
/// thousands of clients do not reconnect and <c>Resume</c> in the same millisecond. The connections
/// were stopped before (<see cref="ConnectionOutbox.Stop"/>): only the close waits its turn.
/// </summary>
internal static class SpreadClose
{
    /// <summary>Closes <paramref name="outboxes"/> in order, the i-th of n at <paramref name="window"/> × i / n; a zero window closes them all before it returns.</summary>
    public static async Task RunAsync(IReadOnlyList<ConnectionOutbox> outboxes, string reason, TimeSpan window, TimeProvider time)
    {
        var start = time.GetTimestamp();
        for (var index = 0; index < outboxes.Count; index++)
        {
            // Due times, not one delay per connection: a timer fires late, and the closes due meanwhile go together.
            var wait = TimeSpan.FromTicks(window.Ticks * index / outboxes.Count) - time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time).ConfigureAwait(false);
            }
            _ = outboxes[index].CloseAsync(reason);
        }
    }
}
