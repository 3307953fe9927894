using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A user was added to or removed from a group. <see cref="MembershipVersion"/> counts the group's membership changes, so a replayed older change is recognised.</summary>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only: clients never see it (their
/// <c>seq</c> is the gateway's history position, a different number).</param>
[MessageUrn("roomcast:events:group-membership-changed")]
[EntityName("roomcast.group-membership-changed")]
public sealed record GroupMembershipChanged(Guid EventId, DateTimeOffset OccurredAt, Guid GroupId, Guid UserId, MembershipChange Change, long MembershipVersion, Guid ActorId, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
