using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A record was deleted, and with it every record in <see cref="Cascade"/> (a root's documents and
/// grants, a document's descendants): one event names them all, so a client drops them together.
/// <see cref="Version"/> is the version the record had when it was deleted.
/// </summary>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only: clients never see it (their
/// <c>seq</c> is the gateway's history position, a different number).</param>
[MessageUrn("roomcast:events:record-deleted")]
[EntityName("roomcast.record-deleted")]
public sealed record RecordDeleted(
    Guid EventId, DateTimeOffset OccurredAt, string RecordType, Guid RecordId, IReadOnlyList<RecordRef> Cascade, long Version,
    Guid ActorId, string? OriginConnectionId, bool ToSelf, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public string RecordType { get; } = RecordTypes.Require(RecordType);

    public IReadOnlyList<RecordRef> Cascade { get; } = Cascade ?? throw new ArgumentNullException(nameof(Cascade));

    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
