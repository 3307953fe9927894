using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A record was deleted, and with it every record in <see cref="Cascade"/> (a root's documents and
/// grants, a document's children): one event names them all, so a client drops them together.
/// </summary>
[MessageUrn("roomcast:events:record-deleted")]
[EntityName("roomcast.record-deleted")]
public sealed record RecordDeleted
{
    public RecordDeleted(
        Guid eventId,
        DateTimeOffset occurredAt,
        string recordType,
        Guid recordId,
        IReadOnlyList<RecordRef> cascade,
        long version,
        Guid actorId,
        string? originConnectionId,
        bool toSelf,
        IReadOnlyList<string> audience,
        long seq = 0)
    {
        EventAudience.Validate(eventId, actorId, audience);
        ArgumentNullException.ThrowIfNull(cascade);
        EventId = eventId;
        OccurredAt = occurredAt;
        RecordType = RecordTypes.Require(recordType);
        RecordId = recordId;
        Cascade = cascade;
        Version = version;
        ActorId = actorId;
        OriginConnectionId = originConnectionId;
        ToSelf = toSelf;
        Audience = audience;
        Seq = seq;
    }

    public Guid EventId { get; }

    public DateTimeOffset OccurredAt { get; }

    public string RecordType { get; }

    public Guid RecordId { get; }

    public IReadOnlyList<RecordRef> Cascade { get; }

    /// <summary>The version the record had when it was deleted.</summary>
    public long Version { get; }

    public Guid ActorId { get; }

    public string? OriginConnectionId { get; }

    public bool ToSelf { get; }

    public IReadOnlyList<string> Audience { get; }

    public long Seq { get; init; }
}
