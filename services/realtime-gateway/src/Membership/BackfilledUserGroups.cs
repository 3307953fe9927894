
namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The groups the hub puts a connecting user in: the projection's answer, at once. The first time a
/// user connects whose groups the projection never took from identity (memberships made before the
/// gateway's queue existed), identity is asked in the background with the connecting user's own token;
/// its answer is merged into the projection without overriding anything an event wrote, and the user's
/// live connections on every instance join the groups it added. The connect itself never waits for
/// identity, so it takes its rooms as fast as before. If identity cannot answer, the next connect asks again.
/// </summary>
public sealed partial class BackfilledUserGroups(
    IMembershipProjection projection,
    IdentityGroups identity,
    GroupRoomMoves moves,
    IHttpContextAccessor http,
    ILogger<BackfilledUserGroups> logger) : IUserGroups
{
    public async ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (await projection.BackfilledGroupsOfAsync(userId, cancellationToken) is { } known)
        {
            return known;
        }

        var groups = await projection.GroupsOfAsync(userId, cancellationToken);
        if (CallerToken() is { } token)
        {
            _ = BackfillAsync(userId, token, groups);
        }
        else
        {
            LogNoToken(userId);
        }

        return groups;
    }

    private async Task BackfillAsync(Guid userId, string token, IReadOnlyCollection<Guid> before)
    {
        try
        {
            var fromIdentity = await identity.OfCallerAsync(token, CancellationToken.None);
            var merged = await projection.BackfillAsync(userId, fromIdentity, CancellationToken.None);
            foreach (var group in merged.Except(before))
            {
                await moves.MoveAsync(group, [userId], joined: true);
            }

            LogBackfilled(userId, fromIdentity.Count, merged.Count);
        }
        // Logged, never thrown: nobody awaits this task; the next connect of the user asks again.
        catch (Exception exception)
        {
            LogBackfillFailed(userId, exception);
        }
    }

    /// <summary>The bearer token the connection authenticated with: a header, or the query (browsers cannot set WebSocket headers).</summary>
    private string? CallerToken()
    {
        var request = http.HttpContext?.Request;
        if (request is null)
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Query["access_token"] is { Count: > 0 } query ? query.ToString() : null;
    }

    [LoggerMessage(EventId = GatewayLogEvents.GroupsBackfilled, Level = LogLevel.Information, Message = "User {UserId} was new to the membership projection: identity named {FromIdentity} groups; {Groups} groups after merging")]
    private partial void LogBackfilled(Guid userId, int fromIdentity, int groups);

    [LoggerMessage(EventId = GatewayLogEvents.GroupsBackfillFailed, Level = LogLevel.Warning, Message = "Could not merge identity's groups of user {UserId}: the user keeps the groups the projection knows; the next connect asks again")]
    private partial void LogBackfillFailed(Guid userId, Exception exception);

    [LoggerMessage(EventId = GatewayLogEvents.GroupsBackfillNoToken, Level = LogLevel.Warning, Message = "No token to ask identity for the groups of user {UserId} with: the connection gets the groups the projection knows")]
    private partial void LogNoToken(Guid userId);
}
