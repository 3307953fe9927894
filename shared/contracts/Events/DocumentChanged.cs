using System.Text.Json;
using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A document's data changed. <see cref="Version"/> is the document's version after the change;
/// <see cref="OriginConnectionId"/> the SignalR connection it came from (<c>x-metadata-socketid</c>),
/// which does not receive it unless <see cref="ToSelf"/>; <see cref="Audience"/> the rooms whose
/// connections receive it.
/// </summary>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only: clients never see it (their
/// <c>seq</c> is the gateway's history position, a different number).</param>
[MessageUrn("roomcast:events:document-changed")]
[EntityName("roomcast.document-changed")]
public sealed record DocumentChanged(
    Guid EventId, DateTimeOffset OccurredAt, Guid DocumentId, Guid RootId, JsonElement Data, long Version, DateTimeOffset UpdatedAt,
    Guid ActorId, string? OriginConnectionId, bool ToSelf, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public Guid DocumentId { get; } = DocumentId != Guid.Empty ? DocumentId : throw new ArgumentException("documentId must be set.", nameof(DocumentId));

    public Guid RootId { get; } = RootId != Guid.Empty ? RootId : throw new ArgumentException("rootId must be set.", nameof(RootId));

    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
