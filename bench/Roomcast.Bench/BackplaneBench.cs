using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Bench.Idle;
using Roomcast.Bench.InProcess;
using Roomcast.Bench.SignalR;

namespace Roomcast.Bench;

/// <summary>
/// The gateway backplane benchmarks, started by scripts/bench.sh (which owns the stack and the
/// service processes):
/// <list type="bullet">
/// <item><c>backplane latency</c>: C readers connected round-robin to N gateways; a writer PUTs one
/// document at R/s; every reader's receipt time is compared with the PUT's send time.</item>
/// <item><c>backplane idle</c>: K idle connections to one gateway; its VmRSS before and after.</item>
/// </list>
/// Figures are printed, never judged: exit 1 only when something failed (a refused login or
/// connect, a failed PUT), 2 for a bad command line.
/// </summary>
public static class BackplaneBench
{
    private const string ChangedDocument = "CHANGED_DOCUMENT";
    private const string HubPath = "/hubs/notifications";

    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, string> options;
        try
        {
            options = ParseArgs(args.Skip(1).ToArray());
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, press) => { press.Cancel = true; cancel.Cancel(); };
        try
        {
            return args.FirstOrDefault() switch
            {
                "latency" => await LatencyAsync(options, cancel.Token),
                "idle" => await IdleConnections.MeasureAsync(options, cancel.Token),
                "idle-client" => await IdleConnections.ClientAsync(options, cancel.Token),
                "stock-server" => await StockServer.RunAsync(options, cancel.Token),
                "throughput" => await InProcessBench.ThroughputAsync(Required(options, "redis"),
                    options.Remove("redis-pid", out var redisPid) ? int.Parse(redisPid, CultureInfo.InvariantCulture) : null, Counts(options, "instances", "1,2,3"),
                    (int)Number(options, "messages", 200_000, 1), (int)Number(options, "window", 2_000, 1), (int)Number(options, "pings", 2_000, 1)),
                "groups" => await InProcessBench.GroupsAsync(Required(options, "redis"), (int)Number(options, "instances", 2, 1),
                    Counts(options, "sizes", "1,100,10000"), (int)Number(options, "sends", 200, 1)),
                "memory" => await InProcessBench.MemoryAsync(Required(options, "redis"), (int)Number(options, "connections", 10_000, 1)),
                _ => Usage("expected 'latency', 'idle', 'throughput', 'groups' or 'memory'"),
            };
        }
        catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException or ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"[bench] error: {exception.Message}");
            return exception is ArgumentException or FormatException ? 2 : 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("[bench] interrupted");
            return 130;
        }
    }

    private static int Usage(string why)
    {
        Console.Error.WriteLine($"error: {why}");
        return 2;
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[bench] {line}");

    // ------------------------------------------------------------------ latency

    private static async Task<int> LatencyAsync(Dictionary<string, string> o, CancellationToken cancellationToken)
    {
        var identity = new Uri(Required(o, "identity"));
        var api = new Uri(Required(o, "api"));
        var gateways = Required(o, "gateways").Split(',').Select(url => new Uri(url)).ToArray();
        var root = Guid.Parse(Required(o, "root"));
        var documentCount = (int)Number(o, "documents", 32, 1);
        var writer = Required(o, "writer");
        var reader = Required(o, "reader");
        var password = Required(o, "password");
        var connections = (int)Number(o, "connections", 200, 1);
        var rate = Number(o, "rate", 200, 1);
        var seconds = Number(o, "seconds", 10, 1);
        var warmup = Number(o, "warmup", 5, 0);
        var watched = Watched(o);
        EnsureConsumed(o);
        if (connections > 15_000)
        {
            throw new ArgumentException("--connections above 15000 would need several client processes (20000 fds per process here); not implemented");
        }

        var readerToken = await LoginAsync(identity, reader, password, cancellationToken);
        var writerToken = await LoginAsync(identity, writer, password, cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false })
        {
            BaseAddress = api,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", writerToken);

        // Updates go round-robin over documents of their own, so they do not queue on one row's lock.
        Progress($"{writer} creates {documentCount} documents in root {root}");
        var documents = new Guid[documentCount];
        for (var index = 0; index < documentCount; index++)
        {
            using var created = await http.PostAsJsonAsync($"/api/v1/roots/{root}/documents", new { type = "bench", data = new { text = "bench", n = -1 } }, cancellationToken);
            if (!created.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"creating a document failed: HTTP {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(cancellationToken)}");
            }

            documents[index] = (await created.Content.ReadFromJsonAsync<CreatedDocument>(cancellationToken))!.Id;
        }

        var warmupCount = (int)Math.Round(rate * warmup);
        var measuredCount = (int)Math.Round(rate * seconds);
        var total = warmupCount + measuredCount;
        var sentAt = new long[total];
        var received = new long[connections][];
        var duplicates = new int[connections];
        var unexpected = 0;

        Progress($"connecting {connections} readers ({reader}) round-robin over {gateways.Length} gateway(s)");
        var hubs = new HubConnection[connections];
        try
        {
            await Parallel.ForAsync(0, connections, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (index, token) =>
            {
                var inbox = received[index] = new long[total];
                var hub = BenchHubConnections.Build(new Uri(gateways[index % gateways.Length], HubPath), readerToken);
                // A busy 2-core machine may delay the server's pings; don't let the client give up on it.
                hub.ServerTimeout = TimeSpan.FromMinutes(2);
                hub.On<ChangedDocumentPayload>(ChangedDocument, payload =>
                {
                    var now = Stopwatch.GetTimestamp();
                    var n = payload.Data?.N ?? -1;
                    if (n == -1)
                    {
                        return; // the creations' own events
                    }

                    if (n < 0 || n >= total || payload.Id != documents[n % documents.Length])
                    {
                        Interlocked.Increment(ref unexpected);
                    }
                    else if (inbox[n] != 0)
                    {
                        duplicates[index]++;
                    }
                    else
                    {
                        inbox[n] = now;
                    }
                });
                hubs[index] = hub;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                await hub.StartAsync(timeout.Token);
            });

            // Let OnConnectedAsync's room joins land, and the creations' events pass, before the first update.
            await Task.Delay(2000, cancellationToken);

            Progress($"{writer} updates the document at {rate:0.#}/s: {warmup:0.#} s warm-up + {seconds:0.#} s measured");
            var watchedProcesses = watched.Append(new WatchedProcess("bench (this driver)", Environment.ProcessId, Tree: false)).ToList();
            var errors = new ConcurrentDictionary<string, int>();
            var requests = new List<Task>(total);
            var maxLateMs = 0.0;
            var lateOver5Ms = 0;
            var start = Stopwatch.GetTimestamp();
            CpuSnapshot? cpuBefore = null;
            for (var n = 0; n < total; n++)
            {
                if (n == warmupCount)
                {
                    cpuBefore = ProcessStats.Snapshot(watchedProcesses);
                }

                var due = start + (long)(n / rate * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken);
                }

                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.SpinWait(20);
                }

                var late = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                if (n >= warmupCount)
                {
                    maxLateMs = Math.Max(maxLateMs, late);
                    if (late > 5) lateOver5Ms++;
                }

                var sequence = n;
                sentAt[sequence] = Stopwatch.GetTimestamp();
                requests.Add(PutAsync(http, documents[sequence % documents.Length], sequence, errors, cancellationToken));
            }

            var sendEnd = Stopwatch.GetTimestamp();
            await Task.WhenAll(requests);

            // Bounded wait for the last deliveries.
            var drainDeadline = Stopwatch.GetTimestamp() + 15 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < drainDeadline && !AllReceived(received, warmupCount, total, errors.IsEmpty ? null : sentAt))
            {
                await Task.Delay(50, cancellationToken);
            }

            var cpu = ProcessStats.Between(cpuBefore ?? ProcessStats.Snapshot(watchedProcesses), ProcessStats.Snapshot(watchedProcesses));

            // Per instance: latency of every (measured update, connection) pair that arrived.
            var perInstance = Enumerable.Range(0, gateways.Length).Select(_ => new List<double>()).ToArray();
            long missing = 0, delivered = 0, lastReceipt = 0;
            for (var c = 0; c < connections; c++)
            {
                for (var n = warmupCount; n < total; n++)
                {
                    if (received[c][n] == 0)
                    {
                        missing++;
                        continue;
                    }

                    delivered++;
                    lastReceipt = Math.Max(lastReceipt, received[c][n]);
                    perInstance[c % gateways.Length].Add(Stopwatch.GetElapsedTime(sentAt[n], received[c][n]).TotalMilliseconds);
                }
            }

            // The same events, relative to the consuming instance's first receipt of each: this takes the
            // shared part of the path (PUT, outbox relay, RabbitMQ, the consumer) out of the comparison.
            var relative = Enumerable.Range(0, gateways.Length).Select(_ => new List<double>()).ToArray();
            for (var n = warmupCount; n < total; n++)
            {
                var first = long.MaxValue;
                for (var c = 0; c < connections; c += gateways.Length)
                {
                    if (received[c][n] != 0) first = Math.Min(first, received[c][n]);
                }

                if (first == long.MaxValue) continue;
                for (var c = 0; c < connections; c++)
                {
                    if (received[c][n] != 0) relative[c % gateways.Length].Add(Stopwatch.GetElapsedTime(first, received[c][n]).TotalMilliseconds);
                }
            }

            var failed = errors.Values.Sum();
            var window = Stopwatch.GetElapsedTime(sentAt[Math.Min(warmupCount, total - 1)], Math.Max(lastReceipt, sendEnd)).TotalSeconds;
            PrintLatency(gateways.Length, connections, rate, seconds, perInstance, relative, delivered, missing, duplicates.Sum(), unexpected, failed,
                delivered / window, lateOver5Ms, maxLateMs, cpu);
            foreach (var (error, count) in errors)
            {
                Console.Error.WriteLine($"[bench] error: {count}× {error}");
            }

            return failed == 0 ? 0 : 1;
        }
        finally
        {
            await DisposeAllAsync(hubs);
        }
    }

    private static bool AllReceived(long[][] received, int from, int to, long[]? _)
    {
        foreach (var inbox in received)
        {
            for (var n = to - 1; n >= from; n--)
            {
                if (inbox[n] == 0) return false;
            }
        }

        return true;
    }

    private static async Task PutAsync(HttpClient http, Guid document, int sequence, ConcurrentDictionary<string, int> errors, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new StringContent("{\"data\":{\"text\":\"bench\",\"n\":" + sequence.ToString(CultureInfo.InvariantCulture) + "}}", Encoding.UTF8, "application/json");
            using var response = await http.PutAsync($"/api/v1/documents/{document}", content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                errors.AddOrUpdate($"PUT: HTTP {(int)response.StatusCode}", 1, (_, count) => count + 1);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            errors.AddOrUpdate($"PUT: {exception.GetType().Name}", 1, (_, count) => count + 1);
        }
    }

    private static void PrintLatency(int instances, int connections, double rate, double seconds, List<double>[] perInstance, List<double>[] relative,
        long delivered, long missing, int duplicates, int unexpected, int failedPuts, double deliveriesPerSecond, int lateOver5Ms, double maxLateMs, CpuUsage cpu)
    {
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine($"## backplane latency: {instances} gateway(s), {connections} readers, {rate:0.#} updates/s for {seconds:0.#} s (PUT sent → reader's receipt, ms)");
        table.AppendLine();
        table.AppendLine("| readers on | connections | receipts | p50 | p95 | p99 | max |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        void Row(string name, int count, Percentiles p) =>
            table.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {count} | {p.Count} | {p.P50:0.00} | {p.P95:0.00} | {p.P99:0.00} | {p.Max:0.00} |");
        int ConnectionsOn(int instance) => Enumerable.Range(0, connections).Count(c => c % instances == instance);
        var consumer = Percentiles.Of(perInstance[0]);
        Row("instance 0 (started first: the queue's active consumer)", ConnectionsOn(0), consumer);
        for (var instance = 1; instance < instances; instance++)
        {
            Row($"instance {instance} (via Redis)", ConnectionsOn(instance), Percentiles.Of(perInstance[instance]));
        }

        if (instances > 1)
        {
            var others = Percentiles.Of(perInstance.Skip(1).SelectMany(list => list));
            Row("all other instances", connections - ConnectionsOn(0), others);
            table.AppendLine();
            table.AppendLine(CultureInfo.InvariantCulture, $"cross-instance cost ≈ other − consumer: p50 {others.P50 - consumer.P50:+0.00;-0.00} ms, p99 {others.P99 - consumer.P99:+0.00;-0.00} ms");
        }

        table.AppendLine();
        table.AppendLine("Per event, after the first receipt of the same event on the consuming instance (ms): the local fan-out spread on instance 0, the backplane hop + fan-out on the others.");
        table.AppendLine();
        table.AppendLine("| readers on | connections | receipts | p50 | p95 | p99 | max |");
        table.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        Row("instance 0 (consumer)", ConnectionsOn(0), Percentiles.Of(relative[0]));
        if (instances > 1)
        {
            Row("all other instances", connections - ConnectionsOn(0), Percentiles.Of(relative.Skip(1).SelectMany(list => list)));
        }

        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"deliveries/s {deliveriesPerSecond:0} ({delivered} receipts); missing {missing}; duplicated {duplicates}; unexpected {unexpected}; failed PUTs {failedPuts}; sends >5 ms late {lateOver5Ms} (worst {maxLateMs:0.0} ms)");
        table.AppendLine();
        table.AppendLine("| CPU over the measured window | cores |");
        table.AppendLine("|---|---:|");
        foreach (var (name, cores) in cpu.ProcessCores)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {cores:0.00} |");
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"| other work on the machine | {cpu.OtherCores:0.00} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| machine (of {ProcessStats.Cores}) | {cpu.MachineCores:0.00} |");
        Console.WriteLine(table.ToString());
    }

    // ------------------------------------------------------------------ shared

    internal static async Task DisposeAllAsync(HubConnection?[] hubs)
    {
        // Bounded: a connection that does not close in 10 s is abandoned (the process exits anyway).
        var all = Task.WhenAll(hubs.Where(hub => hub is not null).Select(hub => hub!.DisposeAsync().AsTask()));
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10)));
    }

    internal static async Task<string> LoginAsync(Uri identity, string username, string password, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = identity, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { username, password }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"login of {username} failed: HTTP {(int)response.StatusCode}");
        }

        var login = await response.Content.ReadFromJsonAsync<LoginResponse>(cancellationToken);
        return login?.AccessToken ?? throw new InvalidOperationException($"login of {username} answered no token");
    }

    private static Dictionary<string, string> ParseArgs(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < args.Length; index++)
        {
            var name = args[index];
            if (!name.StartsWith("--", StringComparison.Ordinal) || index + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--option value', got '{name}'.");
            }

            var value = args[++index];
            values[name[2..]] = values.TryGetValue(name[2..], out var earlier) && name == "--watch" ? earlier + ";" + value : value;
        }

        return values;
    }

    internal static string Required(Dictionary<string, string> o, string key) =>
        o.Remove(key, out var value) ? value : throw new ArgumentException($"--{key} is required.");

    internal static double Number(Dictionary<string, string> o, string key, double fallback, double min)
    {
        if (!o.Remove(key, out var text)) return fallback;
        var value = double.Parse(text, CultureInfo.InvariantCulture);
        return value >= min ? value : throw new ArgumentException($"--{key} must be at least {min}.");
    }

    private static int[] Counts(Dictionary<string, string> o, string key, string fallback) =>
        (o.Remove(key, out var text) ? text : fallback).Split(',').Select(item => int.Parse(item, CultureInfo.InvariantCulture) is > 0 and var count
            ? count : throw new ArgumentException($"--{key} takes positive counts, e.g. {fallback}.")).ToArray();

    private static List<WatchedProcess> Watched(Dictionary<string, string> o)
    {
        if (!o.Remove("watch", out var all)) return [];
        return all.Split(';').Select(pair => pair.Split('=', 2)).Select(parts =>
            parts.Length == 2 && int.TryParse(parts[1], out var pid) ? new WatchedProcess(parts[0], pid, Tree: false)
                : throw new ArgumentException($"Expected NAME=PID, got '{string.Join('=', parts)}'.")).ToList();
    }

    internal static void EnsureConsumed(Dictionary<string, string> o)
    {
        if (o.Count > 0) throw new ArgumentException($"Unknown option(s): {string.Join(", ", o.Keys.Select(key => "--" + key))}.");
    }

    private sealed record LoginResponse(string AccessToken);

    private sealed record CreatedDocument(Guid Id);

    private sealed record ChangedDocumentPayload(Guid Id, ChangedData? Data);

    private sealed record ChangedData(int N);
}
