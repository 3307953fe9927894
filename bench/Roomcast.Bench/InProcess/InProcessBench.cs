using System.Diagnostics;
using System.Globalization;
using System.Text;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.Contracts.Rooms;

namespace Roomcast.Bench.InProcess;

/// <summary>
/// Backplane runs with the gateway's lifetime manager (SignalR's Redis backplane inside Roomcast's
/// <c>LocalConnectionsLifetimeManager</c>) hosted in this process over a real redis-server (no sockets
/// to clients, no hub, no event pipeline), so what they time is the backplane itself:
/// <list type="bullet">
/// <item><c>throughput</c>: per instance count, the unloaded latency of a send to all (one at a time,
/// local receiver vs receivers on the other instances), then M sends to all from instance 0 with a
/// window of W in flight: publishes/s, receipts/s on each other instance, send→receipt percentiles.</item>
/// <item><c>groups</c>: groups of each size, members round-robin over the instances, G sends to the
/// group from instance 0: the local part of one send, send→last receipt, receipts/s.</item>
/// <item><c>memory</c>: managed bytes per connection held by the lifetime manager and by
/// <see cref="LocalRooms"/> for connections as the hub registers them (forced full GCs around).</item>
/// </list>
/// Figures are printed, never judged.
/// </summary>
internal static class InProcessBench
{
    private const string Method = "m";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task<int> ThroughputAsync(string redis, int? redisPid, int[] instanceCounts, int messages, int window, int pings)
    {
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"## backplane throughput in process: sends to all from instance 0 over one redis-server ({messages} messages, {window} in flight)");
        table.AppendLine();
        table.AppendLine("| instances | unloaded local p50 / p99 ms | unloaded via Redis p50 / p99 ms | hop p50 ms | publishes/s | receipts/s per other instance | loaded send→receipt p50 / p99 / max ms | missing | CPU of this process, cores | CPU of redis-server, cores | other work, cores |");
        table.AppendLine("|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|");
        List<WatchedProcess> watched = [new("bench", Environment.ProcessId, Tree: false)];
        if (redisPid is { } pid)
        {
            watched.Add(new WatchedProcess("redis-server", pid, Tree: false));
        }
        foreach (var count in instanceCounts)
        {
            await using var cluster = await BenchCluster.StartAsync(redis, count);
            var receivers = new BenchConnection[count];
            for (var index = 0; index < count; index++)
            {
                receivers[index] = new BenchConnection($"receiver-{index}-{Guid.NewGuid():N}", userId: null);
                await cluster[index].OnConnectedAsync(receivers[index]);
            }

            var (local, remote) = await PingAsync(cluster, receivers, pings);

            foreach (var receiver in receivers)
            {
                receiver.Expect(messages);
            }
            var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var remoteReceivers = receivers.Skip(1).ToArray();
            var complete = 0;
            foreach (var receiver in remoteReceivers)
            {
                receiver.Arrived = _ =>
                {
                    if (receiver.Count == messages && Interlocked.Increment(ref complete) == remoteReceivers.Length)
                    {
                        allArrived.TrySetResult();
                    }
                };
            }

            var sent = new long[messages];
            var slots = new SemaphoreSlim(window, window);
            var failures = 0;
            var cpuBefore = ProcessStats.Snapshot(watched);
            var start = Stopwatch.GetTimestamp();
            var sends = new Task[messages];
            for (var n = 0; n < messages; n++)
            {
                await slots.WaitAsync();
                sent[n] = Stopwatch.GetTimestamp();
                sends[n] = cluster[0].SendAllAsync(Method, [n]).ContinueWith(send =>
                {
                    if (send.IsFaulted)
                    {
                        Interlocked.Increment(ref failures);
                    }
                    slots.Release();
                }, TaskScheduler.Default);
            }
            await Task.WhenAll(sends);
            var published = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (remoteReceivers.Length > 0)
            {
                await Task.WhenAny(allArrived.Task, Task.Delay(Patience));
            }
            var cpu = ProcessStats.Between(cpuBefore, ProcessStats.Snapshot(watched));
            var latencies = new List<double>(messages * remoteReceivers.Length);
            long missing = 0, lastArrival = start;
            foreach (var receiver in remoteReceivers)
            {
                for (var n = 0; n < messages; n++)
                {
                    var arrival = receiver.Arrivals[n];
                    if (arrival == 0)
                    {
                        missing++;
                        continue;
                    }
                    latencies.Add(Stopwatch.GetElapsedTime(sent[n], arrival).TotalMilliseconds);
                    lastArrival = Math.Max(lastArrival, arrival);
                }
            }
            var receiptsPerSecond = remoteReceivers.Length == 0 ? double.NaN
                : (latencies.Count / (double)remoteReceivers.Length) / Stopwatch.GetElapsedTime(start, lastArrival).TotalSeconds;
            var loaded = Percentiles.Of(latencies);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {count} | {local.P50:0.000} / {local.P99:0.000} | {Pair(remote)} | {(remote.Count == 0 ? "–" : (remote.P50 - local.P50).ToString("+0.000", CultureInfo.InvariantCulture))} | {messages / published:0} | {(double.IsNaN(receiptsPerSecond) ? "–" : receiptsPerSecond.ToString("0", CultureInfo.InvariantCulture))} | {Triple(loaded)} | {missing} | {cpu.ProcessCores["bench"]:0.00} | {(redisPid is null ? "–" : cpu.ProcessCores["redis-server"].ToString("0.00", CultureInfo.InvariantCulture))} | {cpu.OtherCores:0.00} |");
            if (failures > 0)
            {
                Console.Error.WriteLine($"[bench] error: {failures} sends failed with {count} instance(s)");
                return 1;
            }
        }
        table.AppendLine();
        table.AppendLine("Unloaded: one send at a time, the next after every receiver has it. Hop = via Redis − local at p50. Publishes/s: sends whose PUBLISH Redis acknowledged, over the send loop. Loaded send→receipt includes queueing behind the window.");
        Console.WriteLine(table.ToString());
        return 0;
    }

    public static async Task<int> GroupsAsync(string redis, int instances, int[] sizes, int sends)
    {
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"## group send cost in process: {instances} instance(s), members round-robin over them, {sends} sends to the group from instance 0, one at a time");
        table.AppendLine();
        table.AppendLine("| members | local members | SendGroupAsync call p50 / p99 ms | send → last receipt p50 / p99 / max ms | receipts/s | µs per receipt | missing |");
        table.AppendLine("|---:|---:|---|---|---:|---:|---:|");
        foreach (var size in sizes)
        {
            await using var cluster = await BenchCluster.StartAsync(redis, instances);
            var group = $"group-{size}";
            var members = new BenchConnection[size];
            for (var index = 0; index < size; index++)
            {
                var member = members[index] = new BenchConnection($"member-{index}-{Guid.NewGuid():N}", userId: null);
                await cluster[index % instances].OnConnectedAsync(member);
                await cluster[index % instances].AddToGroupAsync(member.ConnectionId, group);
                member.Expect(sends);
            }

            var calls = new List<double>(sends);
            var lasts = new List<double>(sends);
            long missing = 0;
            var start = Stopwatch.GetTimestamp();
            for (var n = 0; n < sends; n++)
            {
                var remaining = size;
                var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var last = 0L;
                foreach (var member in members)
                {
                    member.Arrived = sequence =>
                    {
                        if (sequence == n && Interlocked.Decrement(ref remaining) == 0)
                        {
                            Volatile.Write(ref last, Stopwatch.GetTimestamp());
                            all.TrySetResult();
                        }
                    };
                }
                var sent = Stopwatch.GetTimestamp();
                await cluster[0].SendGroupAsync(group, Method, [n]);
                calls.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                if (await Task.WhenAny(all.Task, Task.Delay(Patience)) != all.Task)
                {
                    missing += Volatile.Read(ref remaining);
                    continue;
                }
                lasts.Add(Stopwatch.GetElapsedTime(sent, Volatile.Read(ref last)).TotalMilliseconds);
            }
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var receipts = members.Sum(member => (long)member.Count);
            var call = Percentiles.Of(calls);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {size} | {(size + instances - 1) / instances} | {call.P50:0.000} / {call.P99:0.000} | {Triple(Percentiles.Of(lasts))} | {receipts / seconds:0} | {seconds * 1e6 / Math.Max(1, receipts):0.00} | {missing} |");
        }
        table.AppendLine();
        table.AppendLine("The call publishes once; every instance with members, this one included, hears it from Redis and writes to its own. µs per receipt = wall time / receipts (the whole process: every instance, this driver).");
        Console.WriteLine(table.ToString());
        return 0;
    }

    public static async Task<int> MemoryAsync(string redis, int connections)
    {
        var table = new StringBuilder();
        table.AppendLine();
        table.AppendLine(CultureInfo.InvariantCulture, $"## managed memory per connection in process: {connections} connections (full GC before each reading)");
        table.AppendLine();
        table.AppendLine("| held by | 1 connection per user, bytes per connection | 4 connections per user, bytes per connection | all of one user (as the idle run), bytes per connection |");
        table.AppendLine("|---|---:|---:|---:|");
        var alone = await MeasureMemoryAsync(redis, connections, connectionsPerUser: 1);
        var shared = await MeasureMemoryAsync(redis, connections, connectionsPerUser: 4);
        var oneUser = await MeasureMemoryAsync(redis, connections, connectionsPerUser: connections);
        table.AppendLine(CultureInfo.InvariantCulture, $"| lifetime manager (SignalR's RedisHubLifetimeManager: a channel per connection and per user; LocalConnections: an outbox per connection) | {alone.Manager:0} | {shared.Manager:0} | {oneUser.Manager:0} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| LocalRooms (user:{{id}} and all, as the hub registers a non-admin without groups) | {alone.Rooms:0} | {shared.Rooms:0} | {oneUser.Rooms:0} |");
        Console.WriteLine(table.ToString());
        return 0;
    }

    private static async Task<(double Manager, double Rooms)> MeasureMemoryAsync(string redis, int connections, int connectionsPerUser)
    {
        await using var cluster = await BenchCluster.StartAsync(redis, 1);
        var manager = cluster[0];
        var rooms = new LocalRooms();
        var users = Enumerable.Range(0, Math.Max(1, connections / connectionsPerUser)).Select(_ => Guid.NewGuid()).ToArray();
        var created = new BenchConnection[connections];
        for (var index = 0; index < connections; index++)
        {
            created[index] = new BenchConnection($"{Guid.NewGuid():N}"[..22], users[index % users.Length].ToString());
        }
        // The manager's instance channels first, so the baseline holds them.
        var warm = new BenchConnection("warm-up", "warm-up");
        await manager.OnConnectedAsync(warm);
        await manager.OnDisconnectedAsync(warm);

        var baseline = SettledManagedBytes();
        foreach (var connection in created)
        {
            await manager.OnConnectedAsync(connection);
        }
        var withManager = SettledManagedBytes();
        for (var index = 0; index < connections; index++)
        {
            var user = users[index % users.Length];
            rooms.Connect(created[index].ConnectionId, user, isAdmin: false, [RoomName.User(user), RoomName.All]);
        }
        var withRooms = SettledManagedBytes();
        GC.KeepAlive(created);
        GC.KeepAlive(rooms);
        return ((withManager - baseline) / (double)connections, (withRooms - withManager) / (double)connections);
    }

    /// <summary>
    /// Sends one message to all at a time from instance 0 and waits until every receiver has it: how
    /// long the local receiver and the receivers on the other instances took, with nothing queued.
    /// </summary>
    private static async Task<(Percentiles Local, Percentiles Remote)> PingAsync(BenchCluster cluster, BenchConnection[] receivers, int pings)
    {
        var local = new List<double>(pings);
        var remote = new List<double>(pings * (receivers.Length - 1));
        foreach (var receiver in receivers)
        {
            receiver.Expect(pings);
        }
        for (var n = 0; n < pings; n++)
        {
            var remaining = receivers.Length;
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var receiver in receivers)
            {
                receiver.Arrived = sequence =>
                {
                    if (sequence == n && Interlocked.Decrement(ref remaining) == 0)
                    {
                        all.TrySetResult();
                    }
                };
            }
            var sent = Stopwatch.GetTimestamp();
            await cluster[0].SendAllAsync(Method, [n]);
            await all.Task.WaitAsync(Patience);
            local.Add(Stopwatch.GetElapsedTime(sent, receivers[0].Arrivals[n]).TotalMilliseconds);
            remote.AddRange(receivers.Skip(1).Select(receiver => Stopwatch.GetElapsedTime(sent, receiver.Arrivals[n]).TotalMilliseconds));
        }
        foreach (var receiver in receivers)
        {
            receiver.Arrived = null;
        }
        return (Percentiles.Of(local), Percentiles.Of(remote));
    }

    private static long SettledManagedBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Pair(Percentiles p) => p.Count == 0 ? "–" : FormattableString.Invariant($"{p.P50:0.000} / {p.P99:0.000}");

    private static string Triple(Percentiles p) => p.Count == 0 ? "–" : FormattableString.Invariant($"{p.P50:0.00} / {p.P99:0.00} / {p.Max:0.00}");
}
