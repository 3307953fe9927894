using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A student group was deleted, and its memberships with it.</summary>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only: clients never see it (their
/// <c>seq</c> is the gateway's history position, a different number).</param>
[MessageUrn("roomcast:events:student-group-deleted")]
[EntityName("roomcast.student-group-deleted")]
public sealed record StudentGroupDeleted(Guid EventId, DateTimeOffset OccurredAt, Guid GroupId, long Version, Guid ActorId, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
