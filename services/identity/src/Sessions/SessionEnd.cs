using Roomcast.Contracts.Events.Identity;
using Roomcast.Identity.Events;
using Roomcast.Identity.Tokens;
using Roomcast.Identity.Users;

namespace Roomcast.Identity.Sessions;

/// <summary>
/// Ends every session of a user inside an account change: the session epoch goes up (so no service
/// honours their access tokens issued before), every refresh token is revoked, and
/// <see cref="UserSessionsEnded"/> tells the other services (documents-api refuses the old tokens, the
/// gateways close the user's connections) — all in the change's one outbox transaction.
/// </summary>
public static class SessionEnd
{
    /// <returns>The user as the change leaves them, with the new epoch.</returns>
    public static async Task<User> EndAllAsync(IdentityChange change, Guid userId, string reason, CancellationToken cancellationToken)
    {
        var user = await UserStore.RaiseSessionEpochAsync(change.Connection, change.Transaction, userId, cancellationToken);
        await RefreshTokenStore.RevokeAllAsync(change.Connection, change.Transaction, userId, cancellationToken);
        await change.PublishAsync(userId, eventId => new UserSessionsEnded(
            eventId, change.Now, userId, user.SessionEpoch, reason, change.ActorId, IdentityAudiences.ForUser(userId)));
        return user;
    }
}
