using Npgsql;
using Roomcast.Bench;

// `jitter`: how late this machine wakes a sleeping thread (MachineJitter.cs).
// `backplane latency|idle ...`: the gateway backplane benchmarks (BackplaneBench.cs).
// Otherwise, the documents-api outbox benchmark (issue: "the outbox must not cost the latency users feel").
// It prints figures and never judges them: the exit code is 1 only when something failed (an HTTP
// error, an event the relay did not publish in time), 2 for a bad command line.
// Started by scripts/bench.sh, which owns the stack and the service processes.

if (args is ["jitter", ..])
{
    // The machine's own wake-up latency, with nothing of Roomcast running (MachineJitter.cs).
    return await MachineJitter.RunAsync(args[1..]);
}

if (args is ["backplane", ..])
{
    // The gateway backplane benchmarks (BackplaneBench.cs); everything below is the outbox one.
    return await BackplaneBench.RunAsync(args[1..]);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception exception) when (exception is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"error: {exception.Message}\n{BenchOptions.Usage}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    cancel.Cancel();
};
var cancellationToken = cancel.Token;
var watched = options.Watched.Append(new WatchedProcess("bench (this driver)", Environment.ProcessId, Tree: false)).ToList();
var failures = new List<string>();
void Progress(string line) => Console.Error.WriteLine($"[bench] {line}");

try
{
    using var api = await ApiClient.SignInAsync(options, cancellationToken);

    Progress($"creating {options.Documents} documents through the API");
    var documents = await CreateDocumentsAsync(api);
    await DrainAsync("document creation");

    Progress($"phase a: max throughput, {options.Concurrency} workers, {options.WarmupSeconds:0.#} s warm-up + {options.Seconds:0.#} s");
    var throughput = await RunThroughputPhaseAsync(api, documents);
    Progress($"phase a: {throughput.Load.SucceededPerSecond:0} updates/s, {throughput.Load.Errors} errors; " +
        $"relay published {throughput.Outbox.RelayedPerSecond:0}/s meanwhile, {throughput.Drain.BacklogAtStart} left to drain");

    Progress($"phase b: fixed rate {options.Rate:0.#} updates/s for {options.Seconds:0.#} s");
    var fixedRate = await RunFixedRatePhaseAsync(api, documents);
    Progress($"phase b: {fixedRate.Load.SucceededPerSecond:0} updates/s, commit→confirm p99 {fixedRate.Outbox.CommitToConfirmMs.P99:0.00} ms");
    if (fixedRate.Slip.LateOver5Ms > 0)
    {
        Progress($"phase b: the driver fell behind its schedule: {fixedRate.Slip.LateOver5Ms} sends more than 5 ms late (worst {fixedRate.Slip.LateMs.Max:0.0} ms)");
    }

    var documentsApi = watched.FirstOrDefault(process => process.Name == "documents-api");
    var footprint = documentsApi is null
        ? new ServiceFootprint(double.NaN, null)
        : new ServiceFootprint(ProcessStats.OwnSeconds(documentsApi.Pid, withReaped: false), ProcessStats.PeakRssMiB(documentsApi.Pid));
    Console.WriteLine(Report.Render(options, throughput, fixedRate, footprint));
}
catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or NpgsqlException)
{
    // Set-up failures (a refused login or create, an unreachable database) end the run with the reason, not a stack trace.
    failures.Add(exception.Message);
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    Console.Error.WriteLine("[bench] interrupted");
    return 130;
}

foreach (var failure in failures)
{
    Console.Error.WriteLine($"[bench] error: {failure}");
}

return failures.Count == 0 ? 0 : 1;

async Task<IReadOnlyList<Guid>> CreateDocumentsAsync(ApiClient api)
{
    var ids = new Guid[options.Documents];
    await Parallel.ForAsync(0, options.Documents, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
        async (index, token) => ids[index] = await api.CreateDocumentAsync(options.RootId, index, token));
    return ids;
}

async Task<OutboxDrain> DrainAsync(string after)
{
    var drain = await OutboxDrain.WaitAsync(options.DocumentsDb, TimeSpan.FromSeconds(options.DrainTimeoutSeconds), cancellationToken);
    if (drain.Remaining > 0)
    {
        failures.Add($"after {after}, {drain.Remaining} outbox events were still unpublished {options.DrainTimeoutSeconds:0} s later");
    }

    return drain;
}

async Task<ThroughputPhase> RunThroughputPhaseAsync(ApiClient api, IReadOnlyList<Guid> documents)
{
    // CPU is counted over the whole load, warm-up included (the same load), then over the drain,
    // where the relay works alone.
    var before = ProcessStats.Snapshot(watched);
    var load = await LoadDriver.RunClosedLoopAsync(api, documents, options.Concurrency,
        TimeSpan.FromSeconds(options.WarmupSeconds), TimeSpan.FromSeconds(options.Seconds), cancellationToken);
    var loaded = ProcessStats.Snapshot(watched);
    NoteErrors("phase a", load);
    var drain = await DrainAsync("phase a");
    var drainCpu = ProcessStats.Between(loaded, ProcessStats.Snapshot(watched));
    var outbox = await OutboxLatency.MeasureAsync(options.DocumentsDb, load.WindowStartUtc, load.WindowEndUtc, cancellationToken);
    return new ThroughputPhase(load, outbox, drain, ProcessStats.Between(before, loaded), drainCpu);
}

async Task<FixedRatePhase> RunFixedRatePhaseAsync(ApiClient api, IReadOnlyList<Guid> documents)
{
    // The sampler runs from before the first request until the outbox is empty again.
    await using var sampler = await LagSampler.StartAsync(options.DocumentsDb, TimeSpan.FromMilliseconds(10), cancellationToken);
    var statements = await PostgresStatements.StartAsync(options.DocumentsDb, cancellationToken);
    var before = ProcessStats.Snapshot(watched);
    var (load, slip) = await LoadDriver.RunOpenLoopAsync(api, documents, options.Rate, TimeSpan.FromSeconds(options.Seconds), cancellationToken);
    var cpu = ProcessStats.Between(before, ProcessStats.Snapshot(watched));
    NoteErrors("phase b", load);
    var drain = await DrainAsync("phase b");
    var sampled = await sampler.StopAsync();
    var statementTimes = new StatementTimes(await statements.ReadAsync(12, cancellationToken), statements.Unavailable);
    var outbox = await OutboxLatency.MeasureAsync(options.DocumentsDb, load.WindowStartUtc, load.WindowEndUtc, cancellationToken);
    // Nothing else writes to this database during the phase, so every successful update is exactly one event.
    if (outbox.Events != load.Succeeded)
    {
        failures.Add($"phase b: {load.Succeeded} successful updates but {outbox.Events} outbox events in the window");
    }

    return new FixedRatePhase(options.Rate, load, slip, outbox, drain, sampled, cpu, statementTimes);
}

void NoteErrors(string phase, LoadResult load)
{
    foreach (var (error, count) in load.ErrorKinds)
    {
        failures.Add($"{phase}: {count}× {error}");
    }
}
