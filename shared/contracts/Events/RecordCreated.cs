using System.Text.Json;
using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A record was created. <see cref="Record"/> is the record as the API returns it; <see cref="Seq"/> is
/// assigned by the outbox relay when it publishes, so it is 0 until then.
/// </summary>
[MessageUrn("roomcast:events:record-created")]
[EntityName("roomcast.record-created")]
public sealed record RecordCreated
{
    public RecordCreated(
        Guid eventId,
        DateTimeOffset occurredAt,
        string recordType,
        Guid recordId,
        JsonElement record,
        long version,
        Guid actorId,
        string? originConnectionId,
        bool toSelf,
        IReadOnlyList<string> audience,
        long seq = 0)
    {
        EventAudience.Validate(eventId, actorId, audience);
        EventId = eventId;
        OccurredAt = occurredAt;
        RecordType = RecordTypes.Require(recordType);
        RecordId = recordId;
        Record = record;
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

    public JsonElement Record { get; }

    public long Version { get; }

    public Guid ActorId { get; }

    public string? OriginConnectionId { get; }

    public bool ToSelf { get; }

    public IReadOnlyList<string> Audience { get; }

    public long Seq { get; init; }
}
