using System.Diagnostics;

namespace Roomcast.LoadGen;

/// <summary>What a run delivered against what it should have: counts and latencies.</summary>
public sealed record DeliverySummary(
    int UpdatesSent, int UpdatesFailed, long Expected, long Delivered, long Missing, long Unexpected, long Duplicated,
    long DeliveredOfFailedUpdates, IReadOnlyList<double> LatenciesMs, IReadOnlyList<int> LatencyConnections, IReadOnlyList<int> LatencyUpdates, double FirstSendToLastReceiptSeconds);

/// <summary>
/// Every update sent (its root and send time) and every receipt on every connection, checked against
/// the audience the world implies: an update to root r must reach every connection of every user who
/// reads r, once, and no other connection. Receipts on one connection are recorded by that connection's
/// own (sequential) handler; the summary is taken once the run is over.
/// </summary>
public sealed class DeliveryLedger
{
    private readonly int[] _updateRoot;
    private readonly long[] _updateSent;
    private readonly bool[] _updateFailed;
    private readonly bool[,] _reads; // [connection, root]
    private readonly long[] _readersOfRoot;
    private readonly List<(int Update, long ReceivedAt)>[] _receipts;
    private int _sent;

    /// <param name="readerConnections">For each connection, which roots its user reads.</param>
    public DeliveryLedger(int updates, bool[,] readerConnections)
    {
        _updateRoot = new int[updates];
        _updateSent = new long[updates];
        _updateFailed = new bool[updates];
        _reads = readerConnections;
        var connections = readerConnections.GetLength(0);
        var roots = readerConnections.GetLength(1);
        _readersOfRoot = new long[roots];
        for (var connection = 0; connection < connections; connection++)
        {
            for (var root = 0; root < roots; root++)
            {
                _readersOfRoot[root] += readerConnections[connection, root] ? 1 : 0;
            }
        }
        _receipts = Enumerable.Range(0, connections).Select(_ => new List<(int, long)>()).ToArray();
    }

    public long ReceiptCount => _receipts.Sum(receipts => (long)receipts.Count);

    /// <summary>How many deliveries the updates sent so far (and not failed) should make.</summary>
    public long ExpectedSoFar()
    {
        long expected = 0;
        var sent = Volatile.Read(ref _sent);
        for (var update = 0; update < sent; update++)
        {
            expected += _updateFailed[update] ? 0 : _readersOfRoot[_updateRoot[update]];
        }
        return expected;
    }

    /// <summary>Called just before update <paramref name="update"/> is sent.</summary>
    public void Sending(int update, int root, long timestamp)
    {
        _updateRoot[update] = root;
        _updateSent[update] = timestamp;
        Interlocked.Increment(ref _sent);
    }

    public void Failed(int update) => _updateFailed[update] = true;

    /// <summary>Connection <paramref name="connection"/> received update <paramref name="update"/>; called from that connection's handler only.</summary>
    public void Received(int connection, int update, long timestamp)
    {
        var receipts = _receipts[connection];
        lock (receipts)
        {
            receipts.Add((update, timestamp));
        }
    }

    public DeliverySummary Summarize()
    {
        long delivered = 0, unexpected = 0, duplicated = 0, ofFailed = 0;
        var latencies = new List<double>();
        var latencyConnections = new List<int>();
        var latencyUpdates = new List<int>();
        var sent = Volatile.Read(ref _sent);
        var lastReceipt = long.MinValue;
        for (var connection = 0; connection < _receipts.Length; connection++)
        {
            var seen = new HashSet<int>();
            List<(int Update, long ReceivedAt)> receipts;
            lock (_receipts[connection])
            {
                receipts = [.. _receipts[connection]];
            }
            foreach (var (update, receivedAt) in receipts)
            {
                lastReceipt = Math.Max(lastReceipt, receivedAt);
                if (update < 0 || update >= sent)
                {
                    unexpected++; // an update this run never sent
                    continue;
                }
                if (!seen.Add(update))
                {
                    duplicated++;
                    continue;
                }
                if (!_reads[connection, _updateRoot[update]])
                {
                    unexpected++;
                    continue;
                }
                if (_updateFailed[update])
                {
                    ofFailed++;
                    continue;
                }
                delivered++;
                latencies.Add(Stopwatch.GetElapsedTime(_updateSent[update], receivedAt).TotalMilliseconds);
                latencyConnections.Add(connection);
                latencyUpdates.Add(update);
            }
        }
        var expected = ExpectedSoFar();
        var failed = Enumerable.Range(0, sent).Count(update => _updateFailed[update]);
        var span = sent == 0 || lastReceipt == long.MinValue ? 0 : Stopwatch.GetElapsedTime(_updateSent[0], lastReceipt).TotalSeconds;
        return new DeliverySummary(sent, failed, expected, delivered, expected - delivered, unexpected, duplicated, ofFailed, latencies, latencyConnections, latencyUpdates, span);
    }
}
