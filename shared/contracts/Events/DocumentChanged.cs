using System.Text.Json;
using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A document's data changed. <see cref="Version"/> is the document's version after the change;
/// <see cref="OriginConnectionId"/> the SignalR connection it came from (<c>x-metadata-socketid</c>),
/// which does not receive it unless <see cref="ToSelf"/>; <see cref="Audience"/> the rooms whose
/// connections receive it; <see cref="Seq"/> the global publish order, assigned by the outbox relay
/// (0 until then).
/// </summary>
[MessageUrn("roomcast:events:document-changed")]
[EntityName("roomcast.document-changed")]
public sealed record DocumentChanged(
    Guid EventId, DateTimeOffset OccurredAt, Guid DocumentId, Guid RootId, JsonElement Data, long Version, DateTimeOffset UpdatedAt,
    Guid ActorId, string? OriginConnectionId, bool ToSelf, IReadOnlyList<string> Audience, long Seq = 0)
{
    public Guid DocumentId { get; } = DocumentId != Guid.Empty ? DocumentId : throw new ArgumentException("documentId must be set.", nameof(DocumentId));

    public Guid RootId { get; } = RootId != Guid.Empty ? RootId : throw new ArgumentException("rootId must be set.", nameof(RootId));

    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
