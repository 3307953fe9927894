using MassTransit;
using Roomcast.Contracts.Events;

namespace Roomcast.Contracts.Events.Identity;

/// <summary>
/// Every session of a user ended (<see cref="SessionEndReasons"/>): from now on no service honours an
/// access token of that user whose <c>session_epoch</c> claim is below <see cref="SessionEpoch"/>, and
/// the gateways close the user's live connections on every instance.
/// </summary>
/// <param name="SessionEpoch">The user's session epoch after this change; it only ever grows, so a replayed older event changes nothing.</param>
/// <param name="Reason">One of <see cref="SessionEndReasons"/>.</param>
/// <param name="OutboxPosition">Where the producing service's outbox relay published this event in its
/// own gapless publish order; 0 until then. For logs and tracing only.</param>
[MessageUrn("roomcast:events:user-sessions-ended")]
[EntityName("roomcast.user-sessions-ended")]
public sealed record UserSessionsEnded(Guid EventId, DateTimeOffset OccurredAt, Guid UserId, long SessionEpoch, string Reason, Guid ActorId, IReadOnlyList<string> Audience, long OutboxPosition = 0)
{
    public IReadOnlyList<string> Audience { get; } = EventAudience.Checked(EventId, ActorId, Audience);
}

/// <summary>Why a user's sessions ended.</summary>
public static class SessionEndReasons
{
    public const string LogoutEverywhere = "logout-everywhere";
    public const string PasswordChanged = "password-changed";
    public const string AccountDisabled = "account-disabled";
}
