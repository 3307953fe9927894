using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>
/// <c>show &lt;eventId&gt;</c>: the event as its service's log keeps it (payload, audience, committed and
/// published), what the gateways did with it (seq, delivered or pending, in the history) and whether an
/// error queue holds it, with why.
/// </summary>
public static class ShowCommand
{
    public static async Task<int> RunAsync(Services services, CommandLine line, Printer printer, CancellationToken cancellationToken)
    {
        var eventId = EventIdOf(line);
        JsonElement? logged = null;
        foreach (var service in Services.Logs.Where(services.Knows))
        {
            logged ??= await services.GetAsync(service, $"/api/v1/admin/event-log/events/{eventId}", cancellationToken, notFoundIsNull: true);
        }

        var trace = services.Knows(Services.Gateway)
            ? await services.GetAsync(Services.Gateway, $"/api/v1/admin/events/{eventId}", cancellationToken)
            : null;
        var deadLetters = await DeadLettersCommand.FindAsync(services, eventId, cancellationToken);
        if (logged is null && trace?.GetProperty("state").GetString() is null or "unknown" && deadLetters.Count == 0)
        {
            throw new ToolError($"No event {eventId} in {string.Join(" or ", Services.Logs.Where(services.Knows))}'s log (never written, or past its retention), in the gateways' history or in an error queue.");
        }

        if (printer.Json)
        {
            printer.JsonLine(new { eventId, log = logged, gateway = trace, deadLetters });
            return 0;
        }

        printer.Line($"event {eventId}");
        if (logged is { } entry)
        {
            printer.Line($"  service      {entry.GetProperty("service").GetString()}, position #{Printer.Text(entry.GetProperty("position"))}");
            printer.Line($"  type         {entry.GetProperty("eventType").GetString()}");
            printer.Line($"  record       {Printer.Text(entry.GetProperty("recordType"))} {Printer.Text(entry.GetProperty("recordId"))}");
            printer.Line($"  actor        {Printer.Text(entry.GetProperty("actorId"))}");
            printer.Line($"  audience     {string.Join(", ", entry.GetProperty("audience").EnumerateArray().Select(room => room.GetString()))}");
            printer.Line($"  committed    {Printer.Time(entry.GetProperty("committedAt"))}");
            printer.Line($"  published    {(entry.GetProperty("publishedAt").ValueKind == JsonValueKind.Null ? "not yet: the outbox relay has not had it confirmed" : Printer.Time(entry.GetProperty("publishedAt")))}");
        }
        else
        {
            printer.Line("  not in an event log (never written by identity or documents-api, or past its retention)");
        }

        if (trace is { } gateway)
        {
            printer.Line("gateway");
            printer.Line($"  state        {gateway.GetProperty("state").GetString()} ({Meaning(gateway.GetProperty("state").GetString())})");
            printer.Line($"  seq          {Printer.Text(gateway.GetProperty("seq"))} in epoch {gateway.GetProperty("epoch").GetString()}");
            printer.Line($"  in history   {(gateway.GetProperty("inHistory").GetBoolean() ? $"yes, appended {Printer.Time(gateway.GetProperty("appendedAt"))} as {gateway.GetProperty("clientEvent").GetString()}" : "no")} (history holds seq {gateway.GetProperty("historyFloor").GetInt64() + 1}..{gateway.GetProperty("historyHead").GetInt64()})");
            var here = gateway.GetProperty("connectionsHere").EnumerateObject().Select(room => $"{room.Name}={room.Value.GetInt32()}").ToList();
            if (here.Count > 0)
            {
                printer.Line($"  connections  now in its rooms on {gateway.GetProperty("instance").GetString()}: {string.Join(", ", here)}");
            }
        }

        printer.Line(deadLetters.Count == 0 ? "dead letters  none" : "dead letters");
        foreach (var letter in deadLetters)
        {
            printer.Line($"  {letter.GetProperty("service").GetString()}: in {letter.GetProperty("queue").GetString()}_error since {Printer.Time(letter.GetProperty("faultedAt"))}: {Printer.Text(letter.GetProperty("exceptionType"))}: {Printer.Text(letter.GetProperty("reason"))}");
        }

        if (logged?.GetProperty("payload") is { ValueKind: JsonValueKind.Object } payload)
        {
            printer.Line("payload");
            printer.Line(Printer.Indent(payload, "  "));
        }

        return 0;
    }

    public static Guid EventIdOf(CommandLine line) =>
        line.Positional.Count == 2 && Guid.TryParse(line.Positional[1], out var id)
            ? id
            : throw new ToolError($"{line.Positional[0]} takes one event id (a UUID).", ToolError.Usage);

    private static string Meaning(string? state) => state switch
    {
        "delivered" => "numbered, sent to every gateway and to the connections in its audience",
        "pending" => "numbered, its delivery not finished: in progress, or to be finished by a redelivery",
        "in-history" => "kept in the history; its delivery record has expired",
        _ => "no gateway has it: not consumed yet, dead-lettered, or trimmed and forgotten",
    };
}
