using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>
/// <c>replay --queue &lt;q&gt;</c>: the events the filters of <c>list</c> pick (1,000 at most by default), in
/// commit-time order, copied into RabbitMQ queue <c>q</c> by the service whose log holds each one, as
/// MassTransit envelopes marked <c>Roomcast-Replay</c>. As fast as possible in batches, or with
/// <c>--pace original</c> one at a time with the gaps their commits had. Production clients are not touched:
/// the services refuse to copy into their own queues.
/// </summary>
public static class ReplayCommand
{
    private const int Batch = 1_000;

    public static async Task<int> RunAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var queue = line.Option("queue") ?? throw new ToolError("replay needs --queue <name>: the queue of the consumer being debugged.", ToolError.Usage);
        var original = line.Option("pace") switch
        {
            null or "fast" => false,
            "original" => true,
            var other => throw new ToolError($"--pace is original or fast, not '{other}'.", ToolError.Usage),
        };
        var reader = new EventLogReader(services, line, printer);
        var after = reader.Logs.ToDictionary(service => service, _ => reader.After ?? 0);
        var events = await reader.ReadAsync(after, line.NumberOption("limit", 1, 1_000_000) ?? 1_000, cancellationToken);
        if (events.Count == 0)
        {
            printer.Progress("No event matches: nothing copied.");
            return 0;
        }

        var copied = 0;
        DateTimeOffset? previous = null;
        foreach (var run in Runs(events, original ? 1 : Batch))
        {
            if (original && previous is { } last)
            {
                var gap = run[0].GetProperty("committedAt").GetDateTimeOffset() - last;
                if (gap > TimeSpan.Zero)
                {
                    await Task.Delay(gap, cancellationToken);
                }
            }

            previous = run[^1].GetProperty("committedAt").GetDateTimeOffset();
            var service = run[0].GetProperty("service").GetString()!;
            var outcome = await services.PostAsync(service, "/api/v1/admin/event-log/copies", cancellationToken,
                new { queue, eventIds = run.Select(entry => entry.GetProperty("eventId").GetGuid()).ToArray() });
            var done = outcome.GetProperty("copied").EnumerateArray().Select(id => id.GetGuid()).ToHashSet();
            foreach (var entry in run.Where(entry => done.Contains(entry.GetProperty("eventId").GetGuid())))
            {
                copied++;
                if (printer.Json)
                {
                    printer.JsonLine(new { action = "copied", queue, service, eventId = entry.GetProperty("eventId").GetGuid(), position = entry.GetProperty("position").GetInt64() });
                }
                else
                {
                    printer.Line($"copied {entry.GetProperty("eventId").GetString()} ({service} #{entry.GetProperty("position").GetInt64()}, {entry.GetProperty("eventType").GetString()}) to {queue}");
                }
            }

            foreach (var gone in outcome.GetProperty("notFound").EnumerateArray())
            {
                printer.Progress($"{service} no longer holds {gone.GetGuid()} (pruned since it was listed): not copied");
            }

            if (events.Count > Batch || original)
            {
                printer.Progress($"{copied} of {events.Count} copied");
            }
        }

        printer.Progress($"copied {copied} event(s) to {queue}");
        return 0;
    }

    /// <summary>The events cut into runs of one service's, at most <paramref name="size"/> long, in order.</summary>
    private static IEnumerable<List<JsonElement>> Runs(List<JsonElement> events, int size)
    {
        var run = new List<JsonElement>();
        foreach (var entry in events)
        {
            if (run.Count == size || (run.Count > 0 && run[0].GetProperty("service").GetString() != entry.GetProperty("service").GetString()))
            {
                yield return run;
                run = [];
            }

            run.Add(entry);
        }

        yield return run;
    }
}
