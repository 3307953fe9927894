using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// What every identity event that carries a user's role does before it is delivered: once the events
/// before it reached everyone, the role is applied to the projection (newer account versions only) and
/// the user's live connections on every instance follow the projection's state after it.
/// </summary>
public sealed partial class UserRoles(IAccountProjection projection, AccountChanges changes, ILogger<UserRoles> logger)
{
    public async Task ApplyAsync(DeliveryTurn turn, Guid eventId, Guid userId, bool isAdmin, long version, CancellationToken cancellationToken)
    {
        // Earlier events go out under the rooms they were judged for: a promoted user must not get them through admin.
        await turn.EarlierEventsDeliveredAsync(cancellationToken);
        var account = await projection.ApplyRoleAsync(userId, isAdmin, version, cancellationToken);
        await changes.RoleChangedAsync(userId, account);
        LogApplied(eventId, userId, isAdmin, version, account.IsAdmin ?? false, account.RoleVersion);
    }

    [LoggerMessage(EventId = GatewayLogEvents.AccountRoleApplied, Level = LogLevel.Information,
        Message = "Event {EventId}: user {UserId} admin {IsAdmin} at account version {Version}; projected now: admin {Projected} at version {ProjectedVersion}")]
    private partial void LogApplied(Guid eventId, Guid userId, bool isAdmin, long version, bool projected, long projectedVersion);
}
