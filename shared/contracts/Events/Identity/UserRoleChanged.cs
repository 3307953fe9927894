using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A user was promoted to or demoted from admin.</summary>
[MessageUrn("roomcast:events:user-role-changed")]
[EntityName("roomcast.user-role-changed")]
public sealed record UserRoleChanged(Guid EventId, DateTimeOffset OccurredAt, Guid UserId, string Username, bool IsAdmin, long Version, Guid ActorId, IReadOnlyList<string> Audience, long Seq = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
