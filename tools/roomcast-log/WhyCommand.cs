using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>
/// <c>why &lt;eventId&gt; --user &lt;id&gt;</c>: whether the event's audience named a room of the user (their own
/// room, a group they are in now, <c>admin</c> if they are an admin now, a root room they joined), what the
/// gateways did with it, and which of the user's connections on the gateway given are in its rooms now.
/// Memberships and roles are today's: identity does not keep what they were at the time of the change.
/// </summary>
public static class WhyCommand
{
    public static async Task<int> RunAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var eventId = ShowCommand.EventIdOf(line);
        var userId = line.GuidOption("user") ?? throw new ToolError("why needs --user <userId>.", ToolError.Usage);
        JsonElement? found = null;
        foreach (var service in Services.Logs.Where(services.Knows))
        {
            found ??= await services.GetAsync(service, $"/api/v1/admin/event-log/events/{eventId}", cancellationToken, notFoundIsNull: true);
        }

        var entry = found ?? throw new ToolError($"No event {eventId} in {string.Join(" or ", Services.Logs.Where(services.Knows))}'s log: its audience is not known.");
        var user = await services.GetAsync(Services.Identity, $"/api/v1/users/{userId}", cancellationToken, notFoundIsNull: true)
            ?? throw new ToolError($"identity has no user {userId}.");
        var groups = (await services.GetAsync(Services.Identity, $"/api/v1/users/{userId}/groups", cancellationToken))!.Value
            .EnumerateArray().Select(group => $"group:{group.GetProperty("id").GetGuid()}").ToHashSet(StringComparer.Ordinal);
        var isAdmin = user.GetProperty("isAdmin").GetBoolean();
        var audience = entry.GetProperty("audience").EnumerateArray().Select(room => room.GetString()!).ToList();
        var rules = audience.Select(room => (Room: room, Verdict: VerdictOf(room, userId, isAdmin, groups))).ToList();
        var trace = services.Knows(Services.Gateway)
            ? await services.GetAsync(Services.Gateway, $"/api/v1/admin/events/{eventId}", cancellationToken)
            : null;
        var connections = services.Knows(Services.Gateway)
            ? await services.GetAsync(Services.Gateway, $"/api/v1/admin/users/{userId}/connections", cancellationToken)
            : null;
        var payload = entry.GetProperty("payload");
        var origin = payload.TryGetProperty("originConnectionId", out var originId) && originId.ValueKind == JsonValueKind.String ? originId.GetString() : null;
        var toSelf = !payload.TryGetProperty("toSelf", out var self) || self.ValueKind != JsonValueKind.False;

        if (printer.Json)
        {
            printer.JsonLine(new
            {
                eventId,
                userId,
                audience = rules.Select(rule => new { room = rule.Room, included = rule.Verdict.Included, why = rule.Verdict.Why }),
                included = rules.Any(rule => rule.Verdict.Included == true),
                gateway = trace,
                connections,
            });
            return 0;
        }

        printer.Line($"why event {eventId} and user {user.GetProperty("username").GetString()} ({userId})");
        printer.Line($"  event        {entry.GetProperty("eventType").GetString()} of {Printer.Text(entry.GetProperty("recordType"))} {Printer.Text(entry.GetProperty("recordId"))}, committed {Printer.Time(entry.GetProperty("committedAt"))} ({entry.GetProperty("service").GetString()} #{Printer.Text(entry.GetProperty("position"))})");
        printer.Line("audience rule (memberships and role as they are now)");
        foreach (var (room, verdict) in rules)
        {
            printer.Line($"  {room,-45} {(verdict.Included switch { true => "yes", false => "no", null => "only if joined" })}: {verdict.Why}");
        }

        var includedBy = rules.Where(rule => rule.Verdict.Included == true).Select(rule => rule.Room).ToList();
        printer.Line(includedBy.Count > 0
            ? $"  => included, by {string.Join(", ", includedBy)}"
            : rules.Any(rule => rule.Verdict.Included is null)
                ? "  => included only through a root room a connection of theirs joined (see below)"
                : "  => not included: no room of the audience is theirs, so it was not sent to them (the audience is who could read the record at the change)");

        if (trace is { } gateway)
        {
            printer.Line("gateway");
            printer.Line($"  state        {gateway.GetProperty("state").GetString()}, seq {Printer.Text(gateway.GetProperty("seq"))} (history holds seq {gateway.GetProperty("historyFloor").GetInt64() + 1}..{gateway.GetProperty("historyHead").GetInt64()})");
        }

        foreach (var letter in await DeadLettersCommand.FindAsync(services, eventId, cancellationToken))
        {
            printer.Line($"  dead letter  in {letter.GetProperty("queue").GetString()}_error ({letter.GetProperty("service").GetString()}): {Printer.Text(letter.GetProperty("exceptionType"))}: {Printer.Text(letter.GetProperty("reason"))}");
            printer.Line($"  => it never reached a client: redrive it (roomcast-log dead-letters redrive {eventId})");
        }

        if (connections is { } live)
        {
            var held = live.GetProperty("connections").EnumerateArray().ToList();
            printer.Line($"  connections  {held.Count} of theirs on {live.GetProperty("instance").GetString()} now");
            foreach (var connection in held)
            {
                var id = connection.GetProperty("connectionId").GetString();
                var rooms = connection.GetProperty("rooms").EnumerateArray().Select(room => room.GetString()!).ToList();
                var inAudience = rooms.Intersect(audience, StringComparer.Ordinal).ToList();
                var skipped = id == origin && !toSelf ? "; it made the change and asked not to get it back (toSelf false)" : "";
                printer.Line($"    {id}: in {(inAudience.Count > 0 ? string.Join(", ", inAudience) : "none of its rooms")}{skipped}");
            }

            if (held.Count == 0)
            {
                printer.Line("  => no connection of theirs on this gateway now: a client that comes back resumes from its last seq and gets the event if the history still holds it, or is told to reload");
            }
        }

        return 0;
    }

    private static (bool? Included, string Why) VerdictOf(string room, Guid userId, bool isAdmin, IReadOnlySet<string> groups) => room switch
    {
        "all" => (true, "everyone"),
        "admin" => isAdmin ? (true, "an admin now") : (false, "not an admin now"),
        _ when room == $"user:{userId}" => (true, "their own room"),
        _ when room.StartsWith("user:", StringComparison.Ordinal) => (false, "another user's room"),
        _ when room.StartsWith("group:", StringComparison.Ordinal) => groups.Contains(room) ? (true, "a member of the group now") : (false, "not a member of the group now"),
        _ when room.StartsWith("root:", StringComparison.Ordinal) => (null, "the connections that joined this root's room"),
        _ => (false, "a room no user holds"),
    };
}
