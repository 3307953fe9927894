using System.Text.Json;
using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A record was created. <see cref="Record"/> is the record as the API returns it; <see cref="Seq"/>
/// is assigned by the outbox relay when it publishes, so it is 0 until then.
/// </summary>
[MessageUrn("roomcast:events:record-created")]
[EntityName("roomcast.record-created")]
public sealed record RecordCreated(
    Guid EventId, DateTimeOffset OccurredAt, string RecordType, Guid RecordId, JsonElement Record, long Version,
    Guid ActorId, string? OriginConnectionId, bool ToSelf, IReadOnlyList<string> Audience, long Seq = 0)
{
    public string RecordType { get; } = RecordTypes.Require(RecordType);

    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
