using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Bench.SignalR;

namespace Roomcast.Bench.Idle;

/// <summary>
/// <c>backplane idle</c>: the resident memory an idle connection costs a server, measured from
/// outside (VmRSS in /proc) at several connection counts. The connections come from
/// <c>--clients</c> child processes of this console (<c>backplane idle-client</c>), because the
/// machine caps a process at 20,000 open files: one process cannot hold 19,000 connections and
/// its own files. The parent tells each child on stdin how many more to open and reads its answer
/// on stdout, then waits for the server's VmRSS to settle before the next step.
/// </summary>
internal static class IdleConnections
{
    private const string HubPath = "/hubs/notifications";
    private const string TokenVariable = "ROOMCAST_BENCH_TOKEN";
    private static readonly TimeSpan StepPatience = TimeSpan.FromMinutes(5);

    public static async Task<int> MeasureAsync(Dictionary<string, string> o, CancellationToken cancellationToken)
    {
        var label = o.Remove("label", out var named) ? named : "gateway";
        var identity = new Uri(BackplaneBench.Required(o, "identity"));
        var server = new Uri(BackplaneBench.Required(o, "gateway"));
        var pid = int.Parse(BackplaneBench.Required(o, "gateway-pid"), CultureInfo.InvariantCulture);
        var reader = BackplaneBench.Required(o, "reader");
        var password = BackplaneBench.Required(o, "password");
        var steps = (o.Remove("steps", out var text) ? text : "1000,5000,10000,15000,19000").Split(',')
            .Select(step => int.Parse(step, CultureInfo.InvariantCulture)).ToArray();
        var clientCount = (int)BackplaneBench.Number(o, "clients", 4, 1);
        var settleSeconds = BackplaneBench.Number(o, "settle", 20, 1);
        BackplaneBench.EnsureConsumed(o);
        if (steps.Length == 0 || steps.Zip(steps.Skip(1)).Any(pair => pair.Second <= pair.First) || steps[0] < 1)
        {
            throw new ArgumentException("--steps takes increasing connection counts, e.g. 1000,5000,10000");
        }
        if (steps[^1] / clientCount > 15_000)
        {
            throw new ArgumentException($"{steps[^1]} connections over {clientCount} client processes is more than 15,000 per process (20,000 files each here): raise --clients");
        }

        var token = await BackplaneBench.LoginAsync(identity, reader, password, cancellationToken);

        // Warm the server (JIT, pools, first-connection allocations) with a few connections, closed
        // again, so the baseline is a server that has already served connections.
        var warm = new HubConnection[32];
        await ConnectAsync(warm, server, token, cancellationToken);
        await BackplaneBench.DisposeAllAsync(warm);
        var baseline = await SettledRssKiBAsync(pid, settleSeconds, cancellationToken);
        Progress($"{label}: VmRSS settled at {baseline.RssKiB / 1024.0:0.0} MiB; {clientCount} client processes open {string.Join(", ", steps)} idle connections");

        var clients = Enumerable.Range(0, clientCount).Select(_ => ChildClient.Start(server, token)).ToArray();
        var rows = new List<(int Connections, Settled Rss, double ConnectsPerSecond, int Fds)>();
        var complete = false;
        try
        {
            var open = 0;
            foreach (var step in steps)
            {
                var add = step - open;
                var started = Stopwatch.GetTimestamp();
                var shares = clients.Select((client, index) => client.OpenAsync(add / clientCount + (index < add % clientCount ? 1 : 0), cancellationToken)).ToArray();
                await Task.WhenAll(shares).WaitAsync(StepPatience, cancellationToken);
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                open = step;
                var settled = await SettledRssKiBAsync(pid, settleSeconds, cancellationToken);
                var fds = OpenFiles(pid);
                rows.Add((step, settled, add / seconds, fds));
                Progress($"{label}: {step} connections, VmRSS {settled.RssKiB / 1024.0:0.0} MiB, {fds} open files, {add / seconds:0} connects/s");
            }
            complete = true;
        }
        finally
        {
            // What was measured is printed even when a later step failed.
            Console.WriteLine(Render(complete ? label : $"{label} (stopped after {rows.Count} of {steps.Length} steps)", clientCount, baseline, rows));
            await Task.WhenAll(clients.Select(client => client.StopAsync()));
        }
        return 0;
    }

    /// <summary><c>backplane idle-client</c>: holds connections; <c>open N</c> on stdin opens N more and answers <c>opened TOTAL</c>.</summary>
    public static async Task<int> ClientAsync(Dictionary<string, string> o, CancellationToken cancellationToken)
    {
        var server = new Uri(BackplaneBench.Required(o, "gateway"));
        BackplaneBench.EnsureConsumed(o);
        var token = Environment.GetEnvironmentVariable(TokenVariable) ?? throw new ArgumentException($"{TokenVariable} is not set");
        var held = new List<HubConnection>();
        try
        {
            while (await Console.In.ReadLineAsync(cancellationToken) is { } line && line.StartsWith("open ", StringComparison.Ordinal))
            {
                var batch = new HubConnection[int.Parse(line["open ".Length..], CultureInfo.InvariantCulture)];
                try
                {
                    await ConnectAsync(batch, server, token, cancellationToken);
                }
                catch (Exception exception) when (exception is HttpRequestException or IOException or TimeoutException or OperationCanceledException or InvalidOperationException)
                {
                    held.AddRange(batch.Where(hub => hub is not null));
                    Console.WriteLine($"error {exception.GetType().Name}: {exception.Message}");
                    return 1;
                }
                held.AddRange(batch);
                Console.WriteLine(FormattableString.Invariant($"opened {held.Count}"));
            }
            return 0;
        }
        finally
        {
            await BackplaneBench.DisposeAllAsync([.. held]);
        }
    }

    private static string Render(string label, int clients, Settled baseline, List<(int Connections, Settled Rss, double ConnectsPerSecond, int Fds)> rows)
    {
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"## idle connections: {label} (Workstation GC), VmRSS, connections from {clients} client processes");
        table.AppendLine();
        table.AppendLine("| connections | VmRSS MiB | KiB per connection over the baseline | slope from the previous row, KiB per connection | connects/s | server's open files | settled |");
        table.AppendLine("|---:|---:|---:|---:|---:|---:|---|");
        table.AppendLine(CultureInfo.InvariantCulture, $"| 0 (after 32 warm-up connections closed) | {baseline.RssKiB / 1024.0:0.0} | | | | | {Stable(baseline)} |");
        var previous = (Connections: 0, RssKiB: baseline.RssKiB);
        foreach (var row in rows)
        {
            var over = (row.Rss.RssKiB - baseline.RssKiB) / (double)row.Connections;
            var slope = (row.Rss.RssKiB - previous.RssKiB) / (double)(row.Connections - previous.Connections);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Connections} | {row.Rss.RssKiB / 1024.0:0.0} | {over:0.0} | {slope:0.0} | {row.ConnectsPerSecond:0} | {row.Fds} | {Stable(row.Rss)} |");
            previous = (row.Connections, row.Rss.RssKiB);
        }
        // Least squares over the measured steps: the marginal cost of one more idle connection.
        var xs = rows.Select(row => (double)row.Connections).ToArray();
        var ys = rows.Select(row => (double)row.Rss.RssKiB).ToArray();
        if (xs.Length >= 2)
        {
            var (mx, my) = (xs.Average(), ys.Average());
            var fit = xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
            table.AppendLine();
            table.AppendLine(CultureInfo.InvariantCulture, $"{label}: slope over the steps (least squares) {fit:0.0} KiB of VmRSS per idle connection");
        }
        return table.ToString();
    }

    private static string Stable(Settled settled) => settled.Stable
        ? FormattableString.Invariant($"after {settled.Seconds:0.0} s")
        : FormattableString.Invariant($"no, {settled.Seconds:0} s bound ran out");

    /// <summary>
    /// Opens every connection, 16 at a time. On this shared 2-core machine a handshake can starve, so
    /// each gets 120 s and two more attempts before the step fails.
    /// </summary>
    private static async Task ConnectAsync(HubConnection[] hubs, Uri server, string token, CancellationToken cancellationToken) =>
        await Parallel.ForAsync(0, hubs.Length, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (index, cancel) =>
        {
            for (var attempt = 1; ; attempt++)
            {
                var hub = BenchHubConnections.Build(new Uri(server, HubPath), token);
                hub.ServerTimeout = TimeSpan.FromMinutes(2);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                timeout.CancelAfter(TimeSpan.FromSeconds(120));
                try
                {
                    await hub.StartAsync(timeout.Token);
                    hubs[index] = hub;
                    return;
                }
                catch (Exception exception) when (attempt < 3 && !cancel.IsCancellationRequested &&
                    exception is HttpRequestException or IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
                {
                    await hub.DisposeAsync();
                    Progress($"connect attempt {attempt} failed ({exception.GetType().Name}: {exception.Message}); trying again");
                }
            }
        });

    /// <summary>
    /// VmRSS once it stops moving: sampled every 0.5 s until four samples in a row (2 s) stay within
    /// 0.5 % of each other, or <paramref name="maxSeconds"/> pass. The server's GC cannot be forced
    /// from outside, so this waits for it to settle rather than triggering it.
    /// </summary>
    private static async Task<Settled> SettledRssKiBAsync(int pid, double maxSeconds, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var samples = new List<long>();
        while (true)
        {
            samples.Add(VmRssKiB(pid));
            var last = samples.TakeLast(4).ToArray();
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (last.Length == 4 && last.Max() - last.Min() <= last.Max() * 0.005)
            {
                return new Settled(last[^1], elapsed, true);
            }
            if (elapsed >= maxSeconds)
            {
                return new Settled(last[^1], elapsed, false);
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    private static long VmRssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"no VmRSS for pid {pid}");
    }

    private static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static void Progress(string line) => Console.Error.WriteLine($"[bench] {line}");

    private sealed record Settled(long RssKiB, double Seconds, bool Stable);

    /// <summary>One child process holding a share of the connections, driven over its stdin and stdout.</summary>
    private sealed class ChildClient
    {
        private readonly Process _process;

        private ChildClient(Process process) => _process = process;

        public static ChildClient Start(Uri server, string token)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // The token goes by environment, not on the command line (ps shows that to everyone).
            start.Environment[TokenVariable] = token;
            foreach (var argument in new[] { typeof(IdleConnections).Assembly.Location, "backplane", "idle-client", "--gateway", server.ToString() })
            {
                start.ArgumentList.Add(argument);
            }
            return new ChildClient(Process.Start(start) ?? throw new InvalidOperationException("could not start an idle-client process"));
        }

        public async Task OpenAsync(int count, CancellationToken cancellationToken)
        {
            await _process.StandardInput.WriteLineAsync($"open {count}".AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            var answer = await _process.StandardOutput.ReadLineAsync(cancellationToken);
            if (answer is null || !answer.StartsWith("opened ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"idle-client {_process.Id}: {answer ?? "exited"}");
            }
        }

        /// <summary>Closes its stdin (it closes its connections and exits); killed by its pid after a bounded wait.</summary>
        public async Task StopAsync()
        {
            _process.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                Progress($"idle-client {_process.Id} did not exit within 30 s; killing it");
                _process.Kill();
            }
            _process.Dispose();
        }
    }
}
