using System.Text.Json;
using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A record was created. <see cref="Record"/> is the record as the API returns it.
/// </summary>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only: clients never see it (their
/// <c>seq</c> is the gateway's history position, a different number).</param>
[MessageUrn("roomcast:events:record-created")]
[EntityName("roomcast.record-created")]
public sealed record RecordCreated(
    Guid EventId, DateTimeOffset OccurredAt, string RecordType, Guid RecordId, JsonElement Record, long Version,
    Guid ActorId, string? OriginConnectionId, bool ToSelf, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public string RecordType { get; } = RecordTypes.Require(RecordType);

    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
