using System.Diagnostics;

namespace Roomcast.Bench;

/// <summary>The requests of one phase and the wall-clock window they were made in (for matching outbox rows).</summary>
public sealed record LoadResult(IReadOnlyList<RequestResult> Requests, TimeSpan Elapsed, DateTime WindowStartUtc, DateTime WindowEndUtc)
{
    public int Errors => Requests.Count(request => request.Error is not null);

    public int Succeeded => Requests.Count - Errors;

    public double SucceededPerSecond => Succeeded / Elapsed.TotalSeconds;

    public Percentiles Latency => Percentiles.Of(Requests.Where(request => request.Error is null).Select(request => request.LatencyMs));

    /// <summary>The distinct kinds of error with how often each occurred, most frequent first.</summary>
    public IEnumerable<(string Error, int Count)> ErrorKinds =>
        Requests.Where(request => request.Error is not null).GroupBy(request => KindOf(request.Error!))
            .Select(group => (group.Key, group.Count())).OrderByDescending(kind => kind.Item2);

    /// <summary>
    /// A problem-details answer by its status and problem type: its body names the request's own
    /// document (instance), which made every refused request a kind of its own.
    /// </summary>
    private static string KindOf(string error)
    {
        const string TypeField = "\"type\":\"";
        var type = error.IndexOf(TypeField, StringComparison.Ordinal);
        var end = type < 0 ? -1 : error.IndexOf('"', type + TypeField.Length);
        return error.StartsWith("HTTP ", StringComparison.Ordinal) && end > 0
            ? $"{error[..8]} {error[(type + TypeField.Length)..end]}"
            : error;
    }
}

/// <summary>How far behind its schedule the open loop sent requests.</summary>
public sealed record ScheduleSlip(Percentiles LateMs, int LateOver5Ms, double SentPerSecond);

/// <summary>Drives PUT /documents/{id}: closed loop for throughput, open loop for latency at a given rate.</summary>
public static class LoadDriver
{
    /// <summary>
    /// <paramref name="concurrency"/> workers, each updating only its own documents (index modulo
    /// concurrency) so no request waits on another's row lock: the API is measured, not contention.
    /// Requests started during the warm-up are discarded.
    /// </summary>
    public static async Task<LoadResult> RunClosedLoopAsync(
        ApiClient api, IReadOnlyList<Guid> documents, int concurrency, TimeSpan warmup, TimeSpan measured, CancellationToken cancellationToken)
    {
        var begin = Stopwatch.GetTimestamp();
        var measureFrom = begin + ToTicks(warmup);
        var measureUntil = measureFrom + ToTicks(measured);
        var windowStartUtc = DateTime.UtcNow + warmup;

        async Task<List<RequestResult>> WorkerAsync(int worker)
        {
            var mine = documents.Where((_, index) => index % concurrency == worker).ToArray();
            var results = new List<RequestResult>();
            for (long sequence = 0; ; sequence++)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= measureUntil)
                {
                    return results;
                }

                var result = await api.UpdateDocumentAsync(mine[sequence % mine.Length], sequence, start, cancellationToken);
                if (start >= measureFrom)
                {
                    results.Add(result);
                }
            }
        }

        var perWorker = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(() => WorkerAsync(worker), cancellationToken)));
        return new LoadResult(perWorker.SelectMany(results => results).ToList(), measured, windowStartUtc, DateTime.UtcNow);
    }

    /// <summary>
    /// Request i is due at start + i/rate, whatever happened to request i-1 (an open loop: a slow
    /// answer does not slow the arrivals, as with real users). The dispatcher sends everything that
    /// is due, then sleeps until the next due time; sleeping per request would drift. Latency is
    /// counted from the due time, so a late send is charged, and the slip is reported.
    /// </summary>
    public static async Task<(LoadResult Load, ScheduleSlip Slip)> RunOpenLoopAsync(
        ApiClient api, IReadOnlyList<Guid> documents, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (long)Math.Round(rate * duration.TotalSeconds);
        var ticksPerRequest = Stopwatch.Frequency / rate;
        var inFlight = new List<Task<RequestResult>>((int)total);
        var lateMs = new List<double>((int)total);
        var windowStartUtc = DateTime.UtcNow;
        var begin = Stopwatch.GetTimestamp();
        long DueOf(long index) => begin + (long)(index * ticksPerRequest);

        long next = 0;
        while (next < total)
        {
            var now = Stopwatch.GetTimestamp();
            for (; next < total && DueOf(next) <= now; next++)
            {
                var due = DueOf(next);
                lateMs.Add(Stopwatch.GetElapsedTime(due, now).TotalMilliseconds);
                inFlight.Add(api.UpdateDocumentAsync(documents[(int)(next % documents.Count)], next, due, cancellationToken));
            }

            if (next < total)
            {
                // Timers tick in whole milliseconds; waking up to a millisecond late is within the slip we report.
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), DueOf(next));
                await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), cancellationToken);
            }
        }

        var sentFor = Stopwatch.GetElapsedTime(begin);
        var results = await Task.WhenAll(inFlight);
        var elapsed = Stopwatch.GetElapsedTime(begin);
        var slip = new ScheduleSlip(Percentiles.Of(lateMs), lateMs.Count(late => late > 5), total / Math.Max(sentFor.TotalSeconds, duration.TotalSeconds));
        return (new LoadResult(results, elapsed, windowStartUtc, DateTime.UtcNow), slip);
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
