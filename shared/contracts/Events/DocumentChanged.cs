using System.Text.Json;
using MassTransit;

namespace Roomcast.Contracts.Events;

/// <summary>
/// A document's data changed. Published by documents-api through its outbox; <see cref="Seq"/> is
/// assigned by the outbox relay when it publishes, so it is 0 until then.
/// </summary>
[MessageUrn("roomcast:events:document-changed")]
[EntityName("roomcast.document-changed")]
public sealed record DocumentChanged
{
    public DocumentChanged(
        Guid eventId,
        DateTimeOffset occurredAt,
        Guid documentId,
        Guid rootId,
        JsonElement data,
        long version,
        DateTimeOffset updatedAt,
        Guid actorId,
        string? originConnectionId,
        bool toSelf,
        IReadOnlyList<string> audience,
        long seq = 0)
    {
        EventAudience.Validate(eventId, actorId, audience);
        if (documentId == Guid.Empty || rootId == Guid.Empty)
        {
            throw new ArgumentException("documentId and rootId must be set.");
        }

        EventId = eventId;
        OccurredAt = occurredAt;
        DocumentId = documentId;
        RootId = rootId;
        Data = data;
        Version = version;
        UpdatedAt = updatedAt;
        ActorId = actorId;
        OriginConnectionId = originConnectionId;
        ToSelf = toSelf;
        Audience = audience;
        Seq = seq;
    }

    public Guid EventId { get; }

    public DateTimeOffset OccurredAt { get; }

    public Guid DocumentId { get; }

    public Guid RootId { get; }

    public JsonElement Data { get; }

    /// <summary>The document's version after the change; it increases by one on every change.</summary>
    public long Version { get; }

    public DateTimeOffset UpdatedAt { get; }

    public Guid ActorId { get; }

    /// <summary>The SignalR connection the change came from (<c>x-metadata-socketid</c>), if any.</summary>
    public string? OriginConnectionId { get; }

    /// <summary>When false, the origin connection does not receive its own change.</summary>
    public bool ToSelf { get; }

    /// <summary>Rooms (see <see cref="RoomName"/>) whose connections receive the event.</summary>
    public IReadOnlyList<string> Audience { get; }

    /// <summary>Global publish order from the outbox relay.</summary>
    public long Seq { get; init; }
}
