namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// Asks <see cref="IEventBroker.AppendAsync"/> to announce the event to every instance in the step that
/// gives it its seq; <see cref="ExceptConnectionId"/> names the connection that must not get it (the origin
/// connection of a change made with <c>toSelf: false</c>), honoured only where that connection is
/// <see cref="ActorId"/>'s, the user who made the change.
/// </summary>
public sealed record Announcement(string? ExceptConnectionId, Guid ActorId = default);

/// <summary>
/// An event as a subscriber of <see cref="IEventBroker.SubscribeAsync"/> receives it: the history entry
/// with its position (<see cref="HistoryEntry.Seq"/> in <see cref="HistoryEntry.Epoch"/>), the instance that
/// appended it (<see cref="IEventBroker.Instance"/>), and the connection that must not get it if it is
/// <see cref="ActorId"/>'s.
/// </summary>
public sealed record AnnouncedEntry(HistoryEntry Entry, string Origin, string? ExceptConnectionId, Guid ActorId = default);
