using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>A user account was created. <see cref="Version"/> is the account's version, so a projection can ignore a replayed older event.</summary>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only: clients never see it (their
/// <c>seq</c> is the gateway's history position, a different number).</param>
[MessageUrn("roomcast:events:user-registered")]
[EntityName("roomcast.user-registered")]
public sealed record UserRegistered(Guid EventId, DateTimeOffset OccurredAt, Guid UserId, string Username, bool IsAdmin, long Version, Guid ActorId, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}
