using System.Diagnostics;
using System.Net;

namespace Roomcast.LoadGen;

/// <summary>What the driver did: how many updates went out, how late it was against the schedule, and the HTTP errors by kind.</summary>
/// <param name="HttpLatenciesMs">How long each update's HTTP request took, send to answer, sorted.</param>
public sealed record DriveSummary(int Sent, double Seconds, double MaxLateMs, IReadOnlyDictionary<string, int> HttpErrors, IReadOnlyList<double> HttpLatenciesMs);

/// <summary>
/// Open loop: update n is due at start + n / rate, whatever the answers to the earlier ones do, so a
/// slow service shows as latency, not as a lower rate. Update n goes to the document of root
/// n mod roots, as the writer, with <c>data = {lg: runId, n, t: unix ms}</c>.
/// </summary>
public static class UpdateDriver
{
    /// <summary>More requests in flight than this and the driver waits: it reports how late that made it.</summary>
    private const int MaxInFlight = 2048;

    /// <summary>The <c>lg</c> of the warm-up's updates: not the run's, so no connection counts them.</summary>
    private static string WarmupRunId(LoadOptions options) => options.RunId + "-warm";

    /// <summary>
    /// Drives the measured updates into <paramref name="ledger"/>, or, without one, the warm-up: as many
    /// updates as <see cref="LoadOptions.WarmupSeconds"/> take at the same rate, to the same documents,
    /// through the same <paramref name="api"/> (its pooled connections), with data of the same shape whose
    /// <c>lg</c> is <see cref="WarmupRunId"/>, so the ledger does not count them — first-use costs (JIT,
    /// serializers, connection pools, caches), in the services and in this process, stay out of the figures.
    /// </summary>
    public static async Task<DriveSummary> RunAsync(LoadOptions options, LoadWorld world, RoomcastApi api, DeliveryLedger? ledger, Action<string> progress, CancellationToken cancellationToken)
    {
        var updates = ledger is null ? options.WarmupUpdates : options.Updates;
        var what = ledger is null ? "warm-up updates" : "updates";
        var runId = ledger is null ? WarmupRunId(options) : options.RunId;
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        using var inFlight = new SemaphoreSlim(MaxInFlight);
        var pending = new List<Task>(updates);
        var httpLatencies = new double[updates];
        var start = Stopwatch.GetTimestamp();
        double maxLateMs = 0;
        var nextProgress = 5.0;

        for (var update = 0; update < updates; update++)
        {
            var dueMs = update * 1000.0 / options.Rate;
            var nowMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (dueMs > nowMs + 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(dueMs - nowMs), cancellationToken);
            }
            await inFlight.WaitAsync(cancellationToken);
            maxLateMs = Math.Max(maxLateMs, Stopwatch.GetElapsedTime(start).TotalMilliseconds - dueMs);

            var rootIndex = update % world.Roots.Count;
            var document = world.Roots[rootIndex].DocumentId;
            var n = update;
            ledger?.Sending(n, rootIndex, Stopwatch.GetTimestamp());
            pending.Add(SendAsync());

            if (Stopwatch.GetElapsedTime(start).TotalSeconds >= nextProgress)
            {
                progress($"{update + 1} of {updates} {what} sent, {Stopwatch.GetElapsedTime(start).TotalSeconds:0} s");
                nextProgress += 5;
            }

            async Task SendAsync()
            {
                var sentAt = Stopwatch.GetTimestamp();
                try
                {
                    var (status, _) = await api.SendAsync(HttpMethod.Put, $"/api/v1/documents/{document}",
                        new { data = new { lg = runId, n, t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() } }, world.WriterToken, CancellationToken.None);
                    if (status != HttpStatusCode.OK)
                    {
                        ledger?.Failed(n);
                        Count(errors, $"HTTP {(int)status}");
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    ledger?.Failed(n);
                    Count(errors, exception.GetType().Name);
                }
                finally
                {
                    httpLatencies[n] = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
                    inFlight.Release();
                }
            }
        }

        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(pending);
        Array.Sort(httpLatencies);
        return new DriveSummary(updates, seconds, maxLateMs, errors, httpLatencies);
    }

    private static void Count(Dictionary<string, int> errors, string kind)
    {
        lock (errors)
        {
            errors[kind] = errors.GetValueOrDefault(kind) + 1;
        }
    }
}
