using System.Diagnostics;
using Roomcast.Bench;
using Roomcast.LoadGen;

// Roomcast's load generator (see README.md): seeds a world, opens the connections, drives updates at
// a fixed rate, and accounts for every delivery. Exit 0 when the run completed (whatever its figures),
// 1 when it could not run, 2 on bad options.
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception exception) when (exception is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"loadgen: {exception.Message}");
    Console.Error.WriteLine("usage: Roomcast.LoadGen --scenario a|b|c|smoke --identity URL --documents URL --gateways URL[,URL] [--users N --groups N --roots N --connections-per-user N --broadcast true --rate R --seconds T --drain S --quiet S --warmup S --pids name=pid[+],... --json FILE --admin NAME --admin-password P]");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    cancel.Cancel();
};
void Progress(string line) => Console.Error.WriteLine($"[loadgen {DateTime.Now:HH:mm:ss}] {line}");

try
{
    Progress($"scenario {options.Scenario}: {options.Users} users, {options.Connections} connections, {options.Rate}/s for {options.Seconds} s");
    var world = await LoadWorld.SeedAsync(options, Progress, cancel.Token);
    await using var fleet = ClientFleet.Plan(options);
    var reads = new bool[fleet.Count, world.Roots.Count];
    for (var connection = 0; connection < fleet.Count; connection++)
    {
        for (var root = 0; root < world.Roots.Count; root++)
        {
            reads[connection, root] = LoadWorld.Reads(world.Users[fleet.UserOfConnection[connection]], world.Roots[root]);
        }
    }
    var ledger = new DeliveryLedger(options.Updates, reads);
    var connectTime = await fleet.ConnectAsync(options, world, ledger, Progress, cancel.Token);
    Progress($"{fleet.Count} connections open in {connectTime.TotalSeconds:0.0} s");
    var quiet = await fleet.WaitForQuietAsync(options, world, "the setup's events", Progress, cancel.Token);
    Progress($"the gateways had consumed the setup's events after {quiet.TotalSeconds:0.0} s");
    // One client for the warm-up and the measured updates: the measurement starts on warm connections.
    using var documentsHttp = RoomcastApi.Client(options.DocumentsApi);
    var documents = new RoomcastApi(documentsHttp);
    if (options.WarmupUpdates > 0)
    {
        var warmup = await UpdateDriver.RunAsync(options, world, documents, ledger: null, Progress, cancel.Token);
        Progress($"warmed up: {warmup.Sent} updates in {warmup.Seconds:0.0} s, not counted{(warmup.HttpErrors.Count == 0 ? "" : " (" + string.Join(", ", warmup.HttpErrors.Select(error => $"{error.Key}: {error.Value}")) + ")")}");
        // A scenario the machine cannot keep up with leaves a backlog of warm-up events: the measurement
        // starts once it is gone, as it does after the setup, so it times its own updates only.
        var settled = await fleet.WaitForQuietAsync(options, world, "the warm-up's updates", Progress, cancel.Token);
        Progress($"the gateways had delivered the warm-up's updates after {settled.TotalSeconds:0.0} s");
    }
    Progress("driving");

    // The generator itself is watched too: on a small machine it competes with the services for the cores.
    var watched = options.ServicePids.Append(new WatchedProcess(LoadReport.GeneratorName, Environment.ProcessId, Tree: false)).ToList();
    var before = ProcessStats.Snapshot(watched);
    var drive = await UpdateDriver.RunAsync(options, world, documents, ledger, Progress, cancel.Token);
    var after = ProcessStats.Snapshot(watched);

    // Bounded wait for the last deliveries: until every expected one arrived or the drain time ran out.
    var drain = Stopwatch.StartNew();
    var expected = ledger.ExpectedSoFar();
    while (ledger.ReceiptCount < expected && drain.Elapsed.TotalSeconds < options.DrainSeconds)
    {
        await Task.Delay(100, cancel.Token);
    }
    // A short quiet period so that a late duplicate or stray delivery is counted, not missed.
    await Task.Delay(TimeSpan.FromSeconds(1), cancel.Token);
    Progress($"drained in {drain.Elapsed.TotalSeconds:0.0} s");
    if (fleet.EndedEarly() is { Count: > 0 } ended)
    {
        Progress($"{ended.Count} connections ended before the run did (their deliveries count as missing); the first: {ended.FirstReason}");
    }

    var services = watched.Select(service =>
    {
        var cpuSeconds = after.ProcessSeconds[service.Name] - before.ProcessSeconds[service.Name];
        return new ServiceReport(service.Name, service.Pid, cpuSeconds, cpuSeconds / drive.Seconds,
            drive.Sent == 0 ? double.NaN : cpuSeconds * 1000 / drive.Sent, ProcessStats.PeakRssMiB(service.Pid) ?? double.NaN);
    }).ToList();
    var report = LoadReport.From(options, connectTime.TotalSeconds, drive, ledger.Summarize(), fleet.GatewayOfConnection, services);
    Console.WriteLine(report.ToText());
    if (options.JsonFile is { } file)
    {
        await File.WriteAllTextAsync(file, report.ToJson());
        Progress($"JSON result written to {file}");
    }
    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Progress("cancelled");
    return 1;
}
catch (Exception exception)
{
    Console.Error.WriteLine($"loadgen: the run failed: {exception}");
    return 1;
}
