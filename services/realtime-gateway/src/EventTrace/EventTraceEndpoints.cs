using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.RealtimeGateway.EventTrace;

/// <summary>
/// What the gateways did with an event, for admins: <c>GET /api/v1/admin/events/{eventId}</c> answers its
/// client <c>seq</c>, whether its delivery completed and whether the history still keeps it (all
/// instances share these), and how many of this instance's connections are in its audience's rooms now;
/// <c>GET /api/v1/admin/users/{userId}/connections</c> the user's connections on this instance and their rooms.
/// </summary>
public static class EventTraceEndpoints
{
    public const string Path = "/api/v1/admin/events";
    public const string UsersPath = "/api/v1/admin/users";

    public static IEndpointRouteBuilder MapEventTrace(this IEndpointRouteBuilder app)
    {
        app.MapGroup(Path).RequireAdmin("trace events").MapGet("/{eventId}", TraceAsync);
        app.MapGroup(UsersPath).RequireAdmin("look at connections").MapGet("/{userId}/connections", ConnectionsOf);
        return app;
    }

    private static Ok<UserConnections> ConnectionsOf(Guid userId, IEventBroker broker, LocalRooms rooms) =>
        TypedResults.Ok(new UserConnections(userId, broker.Instance, [.. rooms.ConnectionsOf(userId)
            .Select(connection => new UserConnection(connection, [.. rooms.RoomsOf(connection).Select(room => room.ToString()).Order(StringComparer.Ordinal)]))]));

    private static async Task<Ok<GatewayEventTrace>> TraceAsync(Guid eventId, IEventBroker broker, LocalRooms rooms, CancellationToken cancellationToken)
    {
        var trace = await broker.TraceAsync(eventId, cancellationToken);
        var audience = trace.Entry?.Audience ?? [];
        var connectionsHere = audience
            .Select(room => RoomName.TryParse(room, out var name) ? (room, rooms.MembersOf(name).Count) : (room, 0))
            .ToDictionary(pair => pair.room, pair => pair.Item2, StringComparer.Ordinal);
        return TypedResults.Ok(new GatewayEventTrace(
            eventId, broker.Instance, trace.Seq, trace.Epoch, StateOf(trace), trace.Entry is not null, trace.AppendedAt,
            trace.Entry?.Event, audience, connectionsHere, trace.Floor, trace.Head));
    }

    private static string StateOf(HistoryTrace trace) => trace switch
    {
        { Delivered: true } => DeliveryStates.Delivered,
        { Delivered: false } => DeliveryStates.Pending,
        { Entry: not null } => DeliveryStates.InHistory,
        _ => DeliveryStates.Unknown,
    };
}

/// <summary>The delivery states a trace names.</summary>
public static class DeliveryStates
{
    /// <summary>Numbered, announced to every instance and written to this one's connections in its audience.</summary>
    public const string Delivered = "delivered";

    /// <summary>Numbered and kept, but its delivery has not completed (in progress, or its consumer failed and a redelivery will finish it).</summary>
    public const string Pending = "pending";

    /// <summary>Kept in the history, its dedupe record expired: its delivery state is no longer known.</summary>
    public const string InHistory = "in-history";

    /// <summary>No gateway remembers it: never consumed (still on the bus, dead-lettered), or trimmed and forgotten.</summary>
    public const string Unknown = "unknown";
}

/// <summary>The answer of <see cref="EventTraceEndpoints"/>; <see cref="ConnectionsHere"/> counts, per audience room, this instance's connections in it now.</summary>
public sealed record GatewayEventTrace(
    Guid EventId,
    string Instance,
    long? Seq,
    string Epoch,
    string State,
    bool InHistory,
    DateTimeOffset? AppendedAt,
    string? ClientEvent,
    IReadOnlyList<string> Audience,
    IReadOnlyDictionary<string, int> ConnectionsHere,
    long HistoryFloor,
    long HistoryHead);

/// <summary>A user's connections on one instance, each with the rooms it is in now.</summary>
public sealed record UserConnections(Guid UserId, string Instance, IReadOnlyList<UserConnection> Connections);

public sealed record UserConnection(string ConnectionId, IReadOnlyList<string> Rooms);
