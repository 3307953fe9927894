namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// The gateway's projection of each user's admin role and session epoch, from identity's events, so a
/// connection's rooms and its right to stay open follow the account as it is now, not as its token (which
/// goes stale) says. The role applies only with a newer account <c>Version</c> than the one recorded
/// (<c>UserRegistered</c>, <c>UserChanged</c> and <c>UserRoleChanged</c> all carry it), the session epoch
/// only when higher: a replayed or late older event changes nothing. Memory (one instance alone) and
/// Redis (shared by every instance) implement the same rules.
/// </summary>
public interface IAccountProjection
{
    /// <summary>What the projection knows of the user; <see cref="AccountState.Unknown"/> when no event about them arrived yet.</summary>
    ValueTask<AccountState> StateOfAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Records the role the account has at <paramref name="version"/> unless an equal or newer version was recorded.</summary>
    /// <returns>The state after this call: what to move live connections to, whether this change applied or was stale.</returns>
    Task<AccountState> ApplyRoleAsync(Guid userId, bool isAdmin, long version, CancellationToken cancellationToken);

    /// <summary>Raises the user's session epoch to <paramref name="sessionEpoch"/> unless it is that high already.</summary>
    /// <returns>The state after this call.</returns>
    Task<AccountState> EndSessionsAsync(Guid userId, long sessionEpoch, CancellationToken cancellationToken);
}

/// <summary>
/// One user's account as the gateway knows it: <see cref="IsAdmin"/> at <see cref="RoleVersion"/> (null
/// and 0 while no event about the role arrived: the token's role stands in), and the lowest
/// <c>session_epoch</c> a token must carry (0: every token).
/// </summary>
public readonly record struct AccountState(bool? IsAdmin, long RoleVersion, long SessionEpoch)
{
    public static AccountState Unknown => default;
}
