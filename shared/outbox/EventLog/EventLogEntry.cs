using System.Text.Json;

namespace Roomcast.Outbox.EventLog;

/// <summary>
/// One event of a service's event log (its outbox). <see cref="Position"/> is its place in the service's
/// gapless publish order, null until the relay numbered it; <see cref="CommittedAt"/> when the change it
/// describes committed; <see cref="PublishedAt"/> when the broker confirmed it, null until then.
/// <see cref="Payload"/> is the integration event as published (left out of lists unless asked for).
/// </summary>
public sealed record EventLogEntry(
    string Service,
    long? Position,
    Guid EventId,
    string EventType,
    string? RecordType,
    Guid? RecordId,
    Guid? ActorId,
    IReadOnlyList<string> Audience,
    DateTimeOffset CommittedAt,
    DateTimeOffset? PublishedAt,
    JsonElement? Payload);

/// <summary>
/// A page of the event log in position order. <see cref="NextAfterPosition"/> continues it (null when
/// this page reached the end of what matched); <see cref="LastPosition"/> is the newest position the
/// service has given, for progress and for following the log.
/// </summary>
public sealed record EventLogPage(string Service, IReadOnlyList<EventLogEntry> Events, long? NextAfterPosition, long LastPosition);
