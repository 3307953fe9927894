using System.Globalization;
using System.Text;

namespace Roomcast.Bench;

/// <summary>The closing table. Figures only: targets are for the reader to compare, nothing here judges them.</summary>
public static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(BenchOptions options, ThroughputPhase throughput, FixedRatePhase fixedRate, ServiceFootprint documentsApi)
    {
        var table = new StringBuilder();
        void Row(string label, string value) => table.Append(Invariant, $"  {label,-52} {value}\n");
        void Heading(string text) => table.Append('\n').Append(text).Append('\n');

        table.Append(Invariant, $"=== documents-api outbox benchmark: {ProcessStats.Cores} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC ===\n");

        Heading($"a. max throughput: closed loop, {options.Concurrency} workers, {options.Documents} documents, {options.Seconds:0.#} s after {options.WarmupSeconds:0.#} s warm-up");
        Row("updates/s", Rate(throughput.Load.SucceededPerSecond));
        Row("HTTP latency ms   p50 / p95 / p99 / max", Ms(throughput.Load.Latency));
        Row("errors", Errors(throughput.Load));
        Row("commit→confirm ms p50 / p95 / p99 / max", Ms(throughput.Outbox.CommitToConfirmMs));
        Row("oldest unpublished age ms (from rows) p50 / p99 / max", Ms3(throughput.Outbox.OldestUnpublishedAgeMs));
        Row("relay: events published/s while the load ran", Rate(throughput.Outbox.RelayedPerSecond));
        Row("outbox backlog when the load stopped / drained in", $"{throughput.Drain.BacklogAtStart} rows / {throughput.Drain.Took.TotalMilliseconds:0} ms");
        Row("relay alone: events published/s draining it", throughput.Drain.BacklogAtStart >= 1000 ? Rate(throughput.Drain.PerSecond) : "n/a (backlog under 1000 rows)");

        Heading($"b. fixed rate: open loop at {fixedRate.TargetRate:0.#} updates/s for {options.Seconds:0.#} s");
        Row("updates/s target / sent / achieved", $"{Rate(fixedRate.TargetRate)} / {Rate(fixedRate.Slip.SentPerSecond)} / {Rate(fixedRate.Load.SucceededPerSecond)}");
        Row("send slip ms p99 / max (sends > 5 ms late)", $"{fixedRate.Slip.LateMs.P99:0.0} / {fixedRate.Slip.LateMs.Max:0.0} ({fixedRate.Slip.LateOver5Ms})");
        Row("HTTP latency ms   p50 / p99 (from the due time)", $"{fixedRate.Load.Latency.P50:0.00} / {fixedRate.Load.Latency.P99:0.00}");
        Row("errors", Errors(fixedRate.Load));
        Row("outbox events in the window (unpublished)", $"{fixedRate.Outbox.Events} ({fixedRate.Outbox.Unpublished})");
        Row("relay: events published/s while the load ran", Rate(fixedRate.Outbox.RelayedPerSecond));
        Row("commit→confirm ms p50 / p95 / p99 / max", Ms(fixedRate.Outbox.CommitToConfirmMs));
        Row("relay lag: oldest unpublished age ms, from rows", "");
        Row("  every 0.1 ms of the window  p50 / p99 / max", Ms3(fixedRate.Outbox.OldestUnpublishedAgeMs));
        Row($"  sampled every 10 ms ({fixedRate.Sampled.OldestAgeMs.Count} samples)  p50 / p99 / max", Ms3(fixedRate.Sampled.OldestAgeMs));
        Row("  largest sampled backlog", $"{fixedRate.Sampled.MaxBacklog} rows");

        Heading("PostgreSQL's time per statement in phase b, the load and its drain (pg_stat_statements; the bench's own samplers included)");
        if (fixedRate.Statements.Unavailable is { } why)
        {
            table.Append(Invariant, $"  n/a: {why}\n");
        }
        else
        {
            var updates = Math.Max(1, fixedRate.Load.Succeeded);
            table.Append(Invariant, $"  {"calls/update",12} {"mean ms",9} {"ms/update",10}  statement\n");
            foreach (var statement in fixedRate.Statements.Top)
            {
                var query = statement.Query.Length > 100 ? statement.Query[..97] + "..." : statement.Query;
                table.Append(Invariant, $"  {(double)statement.Calls / updates,12:0.00} {statement.MeanMs,9:0.000} {statement.TotalMs / updates,10:0.000}  {query}\n");
            }
        }

        // The drain column is the relay (and the gateway consuming) without API load: where its time
        // goes. A drain shorter than a second is too short to say anything, so it is left blank.
        Heading($"{"CPU, in cores busy (1.00 = one core all the time)",-54} {"a. load",10} {"a. drain",10} {"b. load",10}");
        CpuUsage?[] columns = [throughput.Cpu, throughput.Drain.Took >= TimeSpan.FromSeconds(1) ? throughput.DrainCpu : null, fixedRate.Cpu];
        string Cells(Func<CpuUsage, double> figure) => string.Join(" ", columns.Select(cpu => cpu is null ? $"{"-",10}" : $"{figure(cpu),10:0.00}"));
        foreach (var name in throughput.Cpu.ProcessCores.Keys)
        {
            Row(name, Cells(cpu => cpu.ProcessCores[name]));
        }

        Row("other work on the machine", Cells(cpu => cpu.OtherCores));
        Row($"machine total (of {ProcessStats.Cores})", Cells(cpu => cpu.MachineCores));

        Heading("documents-api process (whole life, start-up and seeding included)");
        Row("CPU time", $"{documentsApi.CpuSeconds:0.00} s");
        Row("peak RSS (VmHWM)", documentsApi.PeakRssMiB is { } rss ? $"{rss:0.0} MiB" : "n/a (process gone)");
        return table.ToString();
    }

    private static string Rate(double perSecond) => perSecond.ToString("0.0", Invariant);

    private static string Ms(Percentiles p) => p.Count == 0 ? "n/a" : string.Create(Invariant, $"{p.P50:0.00} / {p.P95:0.00} / {p.P99:0.00} / {p.Max:0.00}");

    private static string Ms3(Percentiles p) => p.Count == 0 ? "n/a" : string.Create(Invariant, $"{p.P50:0.00} / {p.P99:0.00} / {p.Max:0.00}");

    private static string Errors(LoadResult load) =>
        load.Errors == 0 ? "0" : $"{load.Errors} of {load.Requests.Count}: " + string.Join("; ", load.ErrorKinds.Take(3).Select(kind => $"{kind.Count}× {kind.Error}"));
}
