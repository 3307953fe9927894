using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.History;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// What every identity event that carries a user's role does before it is delivered: once the events
/// before it reached everyone, the role is applied to the projection (newer account versions only) and
/// the user's live connections on every instance follow the projection's state after it. A promotion —
/// whichever event carries it: a registration as an admin, a role change, an account change — first
/// records the boundary of <c>admin</c>, so <c>Resume</c> never reaches back before it (History/RoomGains).
/// </summary>
public sealed partial class UserRoles(IAccountProjection projection, AccountChanges changes, RoomGains gains, ILogger<UserRoles> logger)
{
    public async Task ApplyAsync(DeliveryTurn turn, Guid eventId, Guid userId, bool isAdmin, long version, CancellationToken cancellationToken)
    {
        // Earlier events go out under the rooms they were judged for: a promoted user must not get them through admin.
        await turn.EarlierEventsDeliveredAsync(cancellationToken);
        if (isAdmin && await IsPromotionAsync(userId, version, cancellationToken))
        {
            // The newest seq once every earlier event has it, before the role takes effect.
            await gains.RoleAsync(eventId, userId, isAdmin: true, cancellationToken);
        }
        var account = await projection.ApplyRoleAsync(userId, isAdmin, version, cancellationToken);
        await changes.RoleChangedAsync(userId, account);
        LogApplied(eventId, userId, isAdmin, version, account.IsAdmin ?? false, account.RoleVersion);
    }

    /// <summary>
    /// Whether admin at <paramref name="version"/> is news: not when the projection holds that version or a
    /// newer one (a stale or redelivered event) or holds admin already (an account change of an admin must
    /// not move its boundary forward and hide what it could read).
    /// </summary>
    private async Task<bool> IsPromotionAsync(Guid userId, long version, CancellationToken cancellationToken)
    {
        var known = await projection.StateOfAsync(userId, cancellationToken);
        return version > known.RoleVersion && known.IsAdmin != true;
    }

    [LoggerMessage(EventId = GatewayLogEvents.AccountRoleApplied, Level = LogLevel.Information,
        Message = "Event {EventId}: user {UserId} admin {IsAdmin} at account version {Version}; projected now: admin {Projected} at version {ProjectedVersion}")]
    private partial void LogApplied(Guid eventId, Guid userId, bool isAdmin, long version, bool projected, long projectedVersion);
}
