using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A student group was deleted, and its memberships with it.</summary>
[MessageUrn("roomcast:events:student-group-deleted")]
[EntityName("roomcast.student-group-deleted")]
public sealed record StudentGroupDeleted(Guid EventId, DateTimeOffset OccurredAt, Guid GroupId, long Version, Guid ActorId, IReadOnlyList<string> Audience, long Seq = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
