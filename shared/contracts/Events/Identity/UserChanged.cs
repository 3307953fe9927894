using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A user account changed (its password, for now: nothing secret travels).</summary>
[MessageUrn("roomcast:events:user-changed")]
[EntityName("roomcast.user-changed")]
public sealed record UserChanged(Guid EventId, DateTimeOffset OccurredAt, Guid UserId, string Username, bool IsAdmin, long Version, Guid ActorId, IReadOnlyList<string> Audience, long Seq = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
