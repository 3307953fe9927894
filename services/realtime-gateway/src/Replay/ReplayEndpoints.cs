using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway.History;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.RealtimeGateway.Replay;

/// <summary>
/// Replays events to one connection or user, for admins debugging a client: <c>POST /api/v1/admin/replays</c>
/// <c>{connectionId | userId, eventIds}</c>. Each event is sent as the client message the gateways sent
/// (its name, payload, <c>seq</c> and <c>epoch</c>, as the history keeps it) with <c>replay: true</c>
/// added, to those of the target's connections that are in one of its audience rooms now; an event the
/// history no longer keeps, or a connection outside its audience, is refused with the reason. Nothing is
/// appended to the history, no seq is given, and no other connection gets anything. 404 when the
/// target has no live connection on any instance.
/// </summary>
public static class ReplayEndpoints
{
    public const string Path = "/api/v1/admin/replays";
    public const int MaxEvents = 1_000;

    public static IEndpointRouteBuilder MapReplays(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Path).RequireAdmin("replay events").MapPost("", ReplayAsync);
        return app;
    }

    private static async Task<Results<Ok<ReplayOutcome>, ProblemHttpResult>> ReplayAsync(
        HttpRequest request, IEventBroker broker, ConnectionReplays replays, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<ReplayBody>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrWhiteSpace(body!.ConnectionId) == (body.UserId is null))
        {
            return Problems.Invalid("connectionId", "Either connectionId or userId, not both.");
        }
        if (body.UserId == Guid.Empty)
        {
            return Problems.Invalid("userId", "A user id, not the empty one.");
        }
        if (body.EventIds is null || body.EventIds.Count is 0 or > MaxEvents || body.EventIds.Contains(Guid.Empty))
        {
            return Problems.Invalid("eventIds", $"From 1 to {MaxEvents} event ids, none empty.");
        }

        var messages = new List<ReplayedMessage>(body.EventIds.Count);
        var unknown = new Dictionary<Guid, RefusedReplay>();
        foreach (var eventId in body.EventIds)
        {
            var trace = await broker.TraceAsync(eventId, cancellationToken);
            if (trace.Entry is { } entry)
            {
                messages.Add(new ReplayedMessage(eventId, entry.Event, entry.Audience, Replayed(entry)));
            }
            else
            {
                unknown[eventId] = new RefusedReplay(eventId, null, trace.Seq is null
                    ? "no gateway has it: never delivered to clients (not consumed yet, dead-lettered, an event clients are not sent) or forgotten long ago"
                    : $"trimmed from the history (it was seq {trace.Seq}): its client message is no longer kept");
            }
        }

        var target = new ReplayTarget(string.IsNullOrWhiteSpace(body.ConnectionId) ? null : body.ConnectionId, body.UserId);
        var (answers, unanswered) = await replays.ReplayAsync(target, messages, cancellationToken);
        var connections = answers.SelectMany(answer => answer.Connections).ToList();
        if (connections.Count == 0)
        {
            return Problems.Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, target.ConnectionId is { } id
                ? $"No connection {id} on any gateway instance{Unanswered(unanswered)}."
                : $"User {target.UserId} has no live connection on any gateway instance{Unanswered(unanswered)}.");
        }

        var events = body.EventIds.Select(eventId => unknown.TryGetValue(eventId, out var refused)
            ? new ReplayedEvent(eventId, null, [], [refused])
            : new ReplayedEvent(eventId, messages.First(message => message.EventId == eventId).Event,
                [.. connections.Where(connection => connection.Sent.Contains(eventId)).Select(connection => connection.ConnectionId)],
                [.. connections.SelectMany(connection => connection.Refused).Where(refused => refused.EventId == eventId)]));
        return TypedResults.Ok(new ReplayOutcome(
            target.ConnectionId, target.UserId, [.. connections.Select(connection => connection.ConnectionId)], [.. events], unanswered));
    }

    private static string Unanswered(int unanswered) =>
        unanswered == 0 ? "" : $" ({unanswered} instance(s) did not answer in time)";

    /// <summary>The payload the client got live, with <see cref="ClientReplay.Field"/> added.</summary>
    public static JsonElement Replayed(HistoryEntry entry)
    {
        var payload = JsonNode.Parse(entry.ClientPayload().GetRawText())!.AsObject();
        payload[ClientReplay.Field] = true;
        return JsonSerializer.SerializeToElement(payload, HistoryEntry.Json);
    }
}

public sealed record ReplayBody(string? ConnectionId, Guid? UserId, IReadOnlyList<Guid>? EventIds);

/// <summary>
/// What a replay did: the target's live connections (on instances that answered; <see cref="InstancesUnanswered"/>
/// did not in time), and per event, in the order asked, the connections it was sent to and the refusals with their reasons.
/// </summary>
public sealed record ReplayOutcome(string? ConnectionId, Guid? UserId, IReadOnlyList<string> Connections, IReadOnlyList<ReplayedEvent> Events, int InstancesUnanswered);

public sealed record ReplayedEvent(Guid EventId, string? ClientEvent, IReadOnlyList<string> SentTo, IReadOnlyList<RefusedReplay> Refused);
