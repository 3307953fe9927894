using System.Text.Json;
using System.Text.Json.Nodes;

namespace Roomcast.LogTool;

/// <summary>
/// <c>dead-letters list | show &lt;id&gt; | redrive &lt;id&gt;... | purge &lt;id&gt;...</c>: the error queues of every
/// consumer of the services given (or <c>--service</c>'s), through each service's admin endpoints.
/// A redrive or a purge of every message needs <c>--all</c>; each says what it did.
/// </summary>
public static class DeadLettersCommand
{
    private const string Path = "/api/v1/admin/dead-letters";
    private static readonly string[] Owners = [Services.Identity, Services.DocumentsApi, Services.Gateway];

    public static async Task<int> RunAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var action = line.Positional.ElementAtOrDefault(1);
        var owners = OwnersOf(services, line);
        switch (action)
        {
            case "list":
                await ListAsync(services, owners, line, printer, cancellationToken);
                return 0;
            case "show":
                return await ShowAsync(services, line, printer, cancellationToken);
            case "redrive" or "purge":
                return await MoveAsync(services, owners, action, line, printer, cancellationToken);
            default:
                throw new ToolError("dead-letters takes list, show <messageId>, redrive <messageId>... or purge <messageId>... (or --all).", ToolError.Usage);
        }
    }

    /// <summary>The dead letters of every known service whose message id is <paramref name="messageId"/>, each with its service.</summary>
    public static async Task<List<JsonElement>> FindAsync(Services services, Guid messageId, CancellationToken cancellationToken)
    {
        var found = new List<JsonElement>();
        foreach (var service in Owners.Where(services.Knows))
        {
            if (await services.GetAsync(service, $"{Path}/{messageId}", cancellationToken, notFoundIsNull: true) is { } letter)
            {
                found.Add(WithService(letter, service));
            }
        }

        return found;
    }

    private static async Task ListAsync(Services services, IReadOnlyList<string> owners, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var limit = line.NumberOption("limit", 1, 10_000) ?? 100;
        foreach (var service in owners)
        {
            var report = (await services.GetAsync(service, $"{Path}?limit={limit}", cancellationToken))!.Value;
            foreach (var queue in report.GetProperty("queues").EnumerateArray())
            {
                if (!printer.Json)
                {
                    printer.Line($"{service}  {queue.GetProperty("errorQueue").GetString()}  {queue.GetProperty("count").GetInt64()} message(s)");
                }

                foreach (var letter in queue.GetProperty("messages").EnumerateArray())
                {
                    if (printer.Json)
                    {
                        printer.JsonLine(WithService(letter, service));
                        continue;
                    }

                    printer.Line($"  {Printer.Time(letter.GetProperty("faultedAt"))}  message {Printer.Text(letter.GetProperty("messageId"))}  event {Printer.Text(letter.GetProperty("eventId"))}  {Printer.Text(letter.GetProperty("messageType"))}");
                    printer.Line($"      {Printer.Text(letter.GetProperty("exceptionType"))}: {Printer.Text(letter.GetProperty("reason"))}");
                }
            }
        }
    }

    private static async Task<int> ShowAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var messageId = line.Positional.Count == 3 && Guid.TryParse(line.Positional[2], out var id)
            ? id
            : throw new ToolError("dead-letters show takes one message id (a UUID).", ToolError.Usage);
        var found = await FindAsync(services, messageId, cancellationToken);
        if (found.Count == 0)
        {
            throw new ToolError($"No message {messageId} in an error queue of {string.Join(", ", Owners.Where(services.Knows))}.");
        }

        foreach (var letter in found)
        {
            if (printer.Json)
            {
                printer.JsonLine(letter);
                continue;
            }

            printer.Line($"message {messageId} in {letter.GetProperty("queue").GetString()}_error ({letter.GetProperty("service").GetString()})");
            printer.Line($"  event        {Printer.Text(letter.GetProperty("eventId"))} ({Printer.Text(letter.GetProperty("messageType"))})");
            printer.Line($"  failed       {Printer.Time(letter.GetProperty("faultedAt"))}: {Printer.Text(letter.GetProperty("exceptionType"))}: {Printer.Text(letter.GetProperty("reason"))}");
            if (letter.GetProperty("stackTrace").ValueKind == JsonValueKind.String)
            {
                printer.Line("  stack trace");
                printer.Line(string.Join(Environment.NewLine, letter.GetProperty("stackTrace").GetString()!.Split('\n').Take(8).Select(frame => "    " + frame.Trim())));
            }

            if (letter.GetProperty("message") is { ValueKind: JsonValueKind.Object } message)
            {
                printer.Line("  message");
                printer.Line(Printer.Indent(message, "    "));
            }
        }

        return 0;
    }

    private static async Task<int> MoveAsync(Services services, IReadOnlyList<string> owners, string action, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var ids = line.Positional.Skip(2).Select(text => Guid.TryParse(text, out var id) ? id : throw new ToolError($"'{text}' is not a message id (a UUID).", ToolError.Usage)).ToList();
        if (ids.Count == 0 && !line.Has("all"))
        {
            throw new ToolError($"dead-letters {action} takes the message ids to {action}, or --all for every message.", ToolError.Usage);
        }

        var query = string.Join("&", ids.Select(id => $"messageId={id}").Concat(line.Option("queue") is { } queue ? [$"queue={Uri.EscapeDataString(queue)}"] : []));
        var missing = ids.ToHashSet();
        var done = 0;
        foreach (var service in owners)
        {
            var outcome = await services.PostAsync(service, $"{Path}/{action}?{query}", cancellationToken);
            foreach (var letter in outcome.GetProperty("done").EnumerateArray())
            {
                done++;
                if (letter.GetProperty("messageId") is { ValueKind: JsonValueKind.String } moved)
                {
                    missing.Remove(moved.GetGuid());
                }

                if (printer.Json)
                {
                    printer.JsonLine(WithService(letter, service, action));
                }
                else
                {
                    var queueName = letter.GetProperty("queue").GetString();
                    printer.Line(action == "redrive"
                        ? $"{service}: redriven message {Printer.Text(letter.GetProperty("messageId"))} (event {Printer.Text(letter.GetProperty("eventId"))}) from {queueName}_error to {queueName}"
                        : $"{service}: purged message {Printer.Text(letter.GetProperty("messageId"))} (event {Printer.Text(letter.GetProperty("eventId"))}) from {queueName}_error");
                }
            }
        }

        foreach (var id in missing)
        {
            printer.Progress($"not in an error queue of {string.Join(", ", owners)}: {id} ({(action == "redrive" ? "redriven" : "purged")} already, or never dead-lettered); nothing done");
        }

        printer.Progress($"{(action == "redrive" ? "redriven" : "purged")}: {done} message(s)");
        return 0;
    }

    private static IReadOnlyList<string> OwnersOf(Services services, CommandLine line) => line.Option("service") switch
    {
        null => [.. Owners.Where(services.Knows)],
        var one when Owners.Contains(one) => [one],
        var other => throw new ToolError($"--service must be one of {string.Join(", ", Owners)}, not '{other}'.", ToolError.Usage),
    };

    private static JsonElement WithService(JsonElement letter, string service, string? action = null)
    {
        var node = JsonNode.Parse(letter.GetRawText())!.AsObject();
        node["service"] = service;
        if (action is not null)
        {
            node["action"] = action;
        }

        return JsonSerializer.SerializeToElement(node);
    }
}
