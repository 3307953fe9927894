using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Roomcast.Bench;

/// <summary>A process whose CPU time and memory the report shows; <c>Tree</c> adds its direct children (PostgreSQL backends).</summary>
public sealed record WatchedProcess(string Name, int Pid, bool Tree);

/// <summary>CPU seconds of each watched process and of the whole machine at one instant, from /proc.</summary>
public sealed record CpuSnapshot(long Timestamp, IReadOnlyDictionary<string, double> ProcessSeconds, double MachineBusySeconds);

/// <summary>CPU use over a phase, in cores (1.0 = one core busy all the time).</summary>
public sealed record CpuUsage(IReadOnlyDictionary<string, double> ProcessCores, double MachineCores)
{
    /// <summary>Busy cores not accounted for by the watched processes: other work on the machine, which makes a run noisy.</summary>
    public double OtherCores => Math.Max(0, MachineCores - ProcessCores.Values.Sum());
}

/// <summary>
/// Reads /proc: utime+stime from /proc/&lt;pid&gt;/stat (fields 14, 15; a tree adds its live children
/// and, through cutime/cstime 16, 17, the children it has already reaped, such as PostgreSQL
/// backends), VmHWM (peak resident set) from /proc/&lt;pid&gt;/status, and busy time from /proc/stat.
/// </summary>
public static class ProcessStats
{
    private const int ClockTicksName = 2; // _SC_CLK_TCK
    private static readonly double TicksPerSecond = Sysconf(ClockTicksName) is > 0 and var ticks ? ticks : 100;

    public static int Cores => Environment.ProcessorCount;

    public static CpuSnapshot Snapshot(IReadOnlyList<WatchedProcess> watched) => new(
        Stopwatch.GetTimestamp(),
        watched.ToDictionary(process => process.Name, process => process.Tree ? TreeSeconds(process.Pid) : OwnSeconds(process.Pid, withReaped: false)),
        MachineBusySeconds());

    public static CpuUsage Between(CpuSnapshot before, CpuSnapshot after)
    {
        var wall = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        return new CpuUsage(
            after.ProcessSeconds.ToDictionary(pair => pair.Key, pair => (pair.Value - before.ProcessSeconds.GetValueOrDefault(pair.Key)) / wall),
            (after.MachineBusySeconds - before.MachineBusySeconds) / wall);
    }

    /// <summary>Peak resident set in MiB, or null when the process is gone.</summary>
    public static double? PeakRssMiB(int pid)
    {
        var line = ReadOrNull($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(line => line.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) / 1024.0;
    }

    /// <summary>utime+stime of the process since it started (plus its reaped children's with <paramref name="withReaped"/>).</summary>
    public static double OwnSeconds(int pid, bool withReaped)
    {
        var fields = StatFields(pid);
        if (fields is null)
        {
            return 0;
        }

        // After "(comm) ": [0] = state (field 3), so field N is [N - 3].
        var ticks = long.Parse(fields[11]) + long.Parse(fields[12]) + (withReaped ? long.Parse(fields[13]) + long.Parse(fields[14]) : 0);
        return ticks / TicksPerSecond;
    }

    private static double TreeSeconds(int pid) =>
        OwnSeconds(pid, withReaped: true) + ChildrenOf(pid).Sum(child => OwnSeconds(child, withReaped: true));

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && StatFields(pid) is { } fields && int.Parse(fields[1]) == parent)
            {
                yield return pid;
            }
        }
    }

    /// <summary>The fields after "(comm) " of /proc/&lt;pid&gt;/stat; comm may hold spaces and parentheses, so split after the last ')'.</summary>
    private static string[]? StatFields(int pid)
    {
        var stat = ReadOrNull($"/proc/{pid}/stat");
        return stat is null ? null : stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static double MachineBusySeconds()
    {
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": busy is everything but
        // idle and iowait; guest time is already inside user and nice, so only the first eight count.
        var values = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        return (values.Sum() - values[3] - values[4]) / TicksPerSecond;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null; // the process has exited
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long Sysconf(int name);
}
