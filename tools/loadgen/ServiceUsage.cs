using System.Globalization;

namespace Roomcast.LoadGen;

/// <summary>CPU time (user + system) and peak RSS (VmHWM) of one service process, from /proc.</summary>
public sealed record ServiceSample(string Name, int Pid, double CpuSeconds, long PeakRssKiB, long RssKiB);

/// <summary>Reads /proc for the service processes the run was given; a process that is gone is reported as such, not as zero.</summary>
public static class ServiceUsage
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public static IReadOnlyList<ServiceSample> Sample(IReadOnlyDictionary<string, int> pids) =>
        pids.Select(pair => SampleOne(pair.Key, pair.Value)).ToList();

    private static ServiceSample SampleOne(string name, int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may hold spaces) start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var cpuTicks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        long peak = 0, rss = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line);
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line);
            }
        }
        return new ServiceSample(name, pid, cpuTicks / TicksPerSecond, peak, rss);
    }

    private static long Kib(string line) =>
        long.Parse(line[(line.IndexOf(':') + 1)..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
}
