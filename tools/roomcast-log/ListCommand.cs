namespace Roomcast.LogTool;

/// <summary><c>list</c>: the events of the logs that match the filters, oldest first, merged in commit time; <c>tail -f</c> follows them.</summary>
public static class ListCommand
{
    public static async Task<int> ListAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var reader = new EventLogReader(services, line, printer);
        var after = reader.Logs.ToDictionary(service => service, _ => reader.After ?? 0);
        var events = await reader.ReadAsync(after, line.NumberOption("limit", 1, 1_000_000) ?? 100, cancellationToken);
        foreach (var entry in events)
        {
            printer.Event(entry);
        }

        if (!printer.Json && events.Count == 0)
        {
            printer.Progress("No event matches.");
        }

        return 0;
    }

    /// <summary>
    /// <c>tail</c>: the matching events among the last <c>--limit</c> positions of each log (10 by default;
    /// positions are gapless), or those after <c>--after</c>; with <c>-f</c> it then waits for new ones, asking
    /// every <c>--interval</c> seconds, until interrupted or <c>--max-events</c> were printed.
    /// </summary>
    public static async Task<int> TailAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var reader = new EventLogReader(services, line, printer);
        var last = line.NumberOption("limit", 0, 1_000_000) ?? 10;
        var cursors = reader.After is { } after
            ? reader.Logs.ToDictionary(service => service, _ => after)
            : (await reader.HeadsAsync(cancellationToken)).ToDictionary(head => head.Key, head => Math.Max(0, head.Value - last));
        var interval = TimeSpan.FromSeconds(line.NumberOption("interval", 1, 3600) ?? 1);
        var maxEvents = line.NumberOption("max-events", 1, long.MaxValue);
        var follow = line.Has("follow");
        if (follow)
        {
            printer.Progress($"Following {string.Join(" and ", reader.Logs)} from position {string.Join(", ", cursors.Select(cursor => $"{cursor.Key} #{cursor.Value}"))}; Ctrl+C stops.");
        }

        long printed = 0;
        try
        {
            while (true)
            {
                var events = await reader.ReadAsync(cursors, 1_000, cancellationToken);
                foreach (var entry in events)
                {
                    printer.Event(entry);
                    var service = entry.GetProperty("service").GetString()!;
                    cursors[service] = Math.Max(cursors[service], entry.GetProperty("position").GetInt64());
                    if (++printed == maxEvents)
                    {
                        return 0;
                    }
                }

                if (!follow)
                {
                    return 0;
                }

                if (events.Count == 0)
                {
                    await Task.Delay(interval, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }
}
