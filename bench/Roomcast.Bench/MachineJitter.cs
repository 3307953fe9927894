using System.Diagnostics;
using System.Globalization;

namespace Roomcast.Bench;

/// <summary>
/// <c>jitter [--seconds 60]</c>: how late this machine wakes a thread that asked to sleep 1 ms, with
/// nothing of Roomcast running. One sleeper per core; every wake-up more than 2 ms late is a stall, in
/// which a thread that was ready did not run (the cores busy, or the virtual machine's cores not
/// running at all). Every latency figure of the other benchmarks rides on this floor: an event crosses
/// a dozen wake-ups between processes on its way, so its tail cannot be shorter than these stalls.
/// </summary>
public static class MachineJitter
{
    private static readonly double[] Thresholds = [2, 5, 10, 20];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = 60.0;
        if (args is ["--seconds", var value] && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= 600)
        {
            seconds = parsed;
        }
        else if (args.Length > 0)
        {
            Console.Error.WriteLine("usage: jitter [--seconds 1..600]");
            return 2;
        }

        var sleepers = Environment.ProcessorCount;
        Console.Error.WriteLine($"[bench] jitter: {sleepers} threads each sleeping 1 ms at a time for {seconds:0.#} s");
        var runs = Enumerable.Range(0, sleepers)
            .Select(_ => Task.Factory.StartNew(() => Sleep(TimeSpan.FromSeconds(seconds)), TaskCreationOptions.LongRunning))
            .ToArray();
        var results = await Task.WhenAll(runs);

        Console.WriteLine($"=== machine jitter: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, {seconds:0.#} s, nothing of Roomcast running ===");
        Console.WriteLine();
        Console.WriteLine($"  {"sleeper",-8} {"wake-ups",9} {"late ms p50 / p99 / p99.9",28} | stalls over 2 / 5 / 10 / 20 ms | longest ms | time in stalls over 2 ms");
        for (var index = 0; index < results.Length; index++)
        {
            var (wakeUps, late) = results[index];
            Array.Sort(late);
            var counts = string.Join(" / ", Thresholds.Select(threshold => late.Count(ms => ms > threshold)));
            var stalled = late.Where(ms => ms > Thresholds[0]).Sum() / (seconds * 1000);
            Console.WriteLine(
                $"  {index + 1,-8} {wakeUps,9} {$"{Percentiles.Rank(late, 0.5):0.000} / {Percentiles.Rank(late, 0.99):0.000} / {Percentiles.Rank(late, 0.999):0.000}",28} | {counts,29} | {late[^1],10:0.0} | {stalled:P3}");
        }
        Console.WriteLine();
        Console.WriteLine("  late: how long after the 1 ms asked for the thread ran again; a stall: more than 2 ms late.");
        return 0;
    }

    private static (int WakeUps, double[] LateMs) Sleep(TimeSpan duration)
    {
        var late = new List<double>(capacity: 100_000);
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            var before = Stopwatch.GetTimestamp();
            Thread.Sleep(1);
            late.Add(Stopwatch.GetElapsedTime(before).TotalMilliseconds - 1);
        }
        return (late.Count, late.ToArray());
    }
}
