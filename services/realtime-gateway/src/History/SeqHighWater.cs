namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The highest seq this instance has seen given, appended here or announced by another instance. A
/// history in Redis whose head is lower went back (restored from an older snapshot, a replica promoted
/// before it had everything): it must number above this, in a new epoch, or clients would get seqs they already hold.
/// </summary>
public sealed class SeqHighWater
{
    private long _highest;

    public long Highest => Volatile.Read(ref _highest);

    public void Observe(long seq)
    {
        var seen = Volatile.Read(ref _highest);
        while (seq > seen)
        {
            var previous = Interlocked.CompareExchange(ref _highest, seq, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }
}
