using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>
/// <c>replay</c>: the events the filters of <c>list</c> pick (1,000 at most by default), in commit-time
/// order, sent to one destination. As fast as possible in batches, or with <c>--pace original</c> one at a
/// time with the gaps their commits had; progress on stderr, a summary at the end.
/// <list type="bullet">
/// <item><c>--queue &lt;q&gt;</c>: copied into RabbitMQ queue <c>q</c> by the service whose log holds each one, as
/// MassTransit envelopes marked <c>Roomcast-Replay</c>; the services refuse to copy into their own queues.</item>
/// <item><c>--to-connection &lt;id&gt;</c> / <c>--to-user &lt;id&gt;</c>: sent by the gateway to that connection, or every
/// connection of that user, as their client messages marked <c>replay: true</c>, each only to a connection
/// in its audience now (the gateway refuses the rest, with the reason); no other client gets anything.</item>
/// </list>
/// </summary>
public static class ReplayCommand
{
    private const int Batch = 1_000;

    public static async Task<int> RunAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var destination = DestinationOf(line);
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
            printer.Progress("No event matches: nothing sent.");
            return 0;
        }

        var tally = new Tally();
        DateTimeOffset? previous = null;
        foreach (var run in Runs(events, original ? 1 : Batch, splitByService: destination.Queue is not null))
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
            if (destination.Queue is { } queue)
            {
                await CopyAsync(services, queue, run, printer, tally, cancellationToken);
            }
            else
            {
                await ReplayAsync(services, destination, run, printer, tally, cancellationToken);
            }

            if (events.Count > Batch || original)
            {
                printer.Progress($"{tally.Done + tally.Refused} of {events.Count} {(destination.Queue is null ? "replayed" : "copied")}");
            }
        }

        printer.Progress(destination.Queue is { } to
            ? $"copied {tally.Done} event(s) to {to}"
            : $"replayed to {destination.Name}: sent {tally.Done} event(s), refused {tally.Refused}");
        return 0;
    }

    private static Destination DestinationOf(CommandLine line)
    {
        var queue = line.Option("queue");
        var connection = line.Option("to-connection");
        var user = line.Option("to-user");
        if ((queue is null ? 0 : 1) + (connection is null ? 0 : 1) + (user is null ? 0 : 1) != 1)
        {
            throw new ToolError("replay needs one of --queue <name> (a queue of the consumer being debugged), --to-connection <id> or --to-user <id>.", ToolError.Usage);
        }
        if (user is not null && !Guid.TryParse(user, out _))
        {
            throw new ToolError($"--to-user takes a user id, not '{user}'.", ToolError.Usage);
        }
        return new Destination(queue, connection, user);
    }

    private static async Task CopyAsync(Services services, string queue, List<JsonElement> run, Printer printer, Tally tally, CancellationToken cancellationToken)
    {
        var service = run[0].GetProperty("service").GetString()!;
        var outcome = await services.PostAsync(service, "/api/v1/admin/event-log/copies", cancellationToken,
            new { queue, eventIds = run.Select(entry => entry.GetProperty("eventId").GetGuid()).ToArray() });
        var done = outcome.GetProperty("copied").EnumerateArray().Select(id => id.GetGuid()).ToHashSet();
        foreach (var entry in run.Where(entry => done.Contains(entry.GetProperty("eventId").GetGuid())))
        {
            tally.Done++;
            if (printer.Json)
            {
                printer.JsonLine(new { action = "copied", queue, service, eventId = entry.GetProperty("eventId").GetGuid(), position = entry.GetProperty("position").GetInt64() });
            }
            else
            {
                printer.Line($"copied {Describe(entry)} to {queue}");
            }
        }

        foreach (var gone in outcome.GetProperty("notFound").EnumerateArray())
        {
            tally.Refused++;
            printer.Progress($"{service} no longer holds {gone.GetGuid()} (pruned since it was listed): not copied");
        }
    }

    private static async Task ReplayAsync(Services services, Destination destination, List<JsonElement> run, Printer printer, Tally tally, CancellationToken cancellationToken)
    {
        var outcome = await services.PostAsync(Services.Gateway, "/api/v1/admin/replays", cancellationToken, new
        {
            connectionId = destination.Connection,
            userId = destination.User,
            eventIds = run.Select(entry => entry.GetProperty("eventId").GetGuid()).ToArray(),
        });
        if (outcome.GetProperty("instancesUnanswered").GetInt32() is > 0 and var unanswered)
        {
            printer.Progress($"{unanswered} gateway instance(s) did not answer in time: connections there may have been sent events not listed");
        }

        var byId = run.ToDictionary(entry => entry.GetProperty("eventId").GetGuid());
        foreach (var replayed in outcome.GetProperty("events").EnumerateArray())
        {
            var entry = byId[replayed.GetProperty("eventId").GetGuid()];
            var sentTo = replayed.GetProperty("sentTo").EnumerateArray().Select(id => id.GetString()!).ToList();
            if (sentTo.Count > 0)
            {
                tally.Done++;
                if (printer.Json)
                {
                    printer.JsonLine(new { action = "sent", service = entry.GetProperty("service").GetString(), eventId = entry.GetProperty("eventId").GetGuid(), position = entry.GetProperty("position").GetInt64(), connections = sentTo });
                }
                else
                {
                    printer.Line($"sent {Describe(entry)} to {string.Join(", ", sentTo)}");
                }
            }
            else
            {
                tally.Refused++;
            }

            foreach (var refused in replayed.GetProperty("refused").EnumerateArray())
            {
                var reason = refused.GetProperty("reason").GetString();
                if (printer.Json)
                {
                    printer.JsonLine(new { action = "refused", service = entry.GetProperty("service").GetString(), eventId = entry.GetProperty("eventId").GetGuid(), position = entry.GetProperty("position").GetInt64(), connectionId = refused.GetProperty("connectionId").GetString(), reason });
                }
                else
                {
                    printer.Line($"refused {Describe(entry)}: {reason}");
                }
            }
        }
    }

    private static string Describe(JsonElement entry) =>
        $"{entry.GetProperty("eventId").GetString()} ({entry.GetProperty("service").GetString()} #{entry.GetProperty("position").GetInt64()}, {entry.GetProperty("eventType").GetString()})";

    /// <summary>The events cut into runs at most <paramref name="size"/> long, in order (and of one service each, when <paramref name="splitByService"/>).</summary>
    private static IEnumerable<List<JsonElement>> Runs(List<JsonElement> events, int size, bool splitByService)
    {
        var run = new List<JsonElement>();
        foreach (var entry in events)
        {
            if (run.Count == size || (splitByService && run.Count > 0 && run[0].GetProperty("service").GetString() != entry.GetProperty("service").GetString()))
            {
                yield return run;
                run = [];
            }

            run.Add(entry);
        }

        yield return run;
    }

    private sealed record Destination(string? Queue, string? Connection, string? User)
    {
        public string Name => Connection is not null ? $"connection {Connection}" : $"user {User}";
    }

    private sealed class Tally
    {
        public int Done { get; set; }

        public int Refused { get; set; }
    }
}
