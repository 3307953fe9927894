using System.Text.Json;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The groups the hub puts a connecting user in: the projection's answer, and, the first time a user
/// connects whose groups the projection never took from identity (memberships made before the
/// gateway's queue existed), identity's own answer for the connecting user's token, merged into the
/// projection without overriding anything an event wrote. If identity cannot answer, the connect goes
/// on with what the projection knows and the next connect asks again.
/// </summary>
public sealed partial class BackfilledUserGroups(
    IMembershipProjection projection,
    IdentityGroups identity,
    IHttpContextAccessor http,
    ILogger<BackfilledUserGroups> logger) : IUserGroups
{
    public async ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (await projection.BackfilledGroupsOfAsync(userId, cancellationToken) is { } known)
        {
            return known;
        }

        if (CallerToken() is not { } token)
        {
            LogNoToken(userId);
            return await projection.GroupsOfAsync(userId, cancellationToken);
        }

        try
        {
            var groups = await identity.OfCallerAsync(token, cancellationToken);
            var merged = await projection.BackfillAsync(userId, groups, cancellationToken);
            LogBackfilled(userId, groups.Count, merged.Count);
            return merged;
        }
        // identity away, too slow, or answering something else than a list of groups: the connect goes on.
        catch (Exception exception) when (exception is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException or FormatException
                                              || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogIdentityFailed(userId, exception.Message);
            return await projection.GroupsOfAsync(userId, cancellationToken);
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

    [LoggerMessage(EventId = 605, Level = LogLevel.Information, Message = "User {UserId} was new to the membership projection: identity named {FromIdentity} groups; {Groups} groups after merging")]
    private partial void LogBackfilled(Guid userId, int fromIdentity, int groups);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "Could not ask identity for the groups of user {UserId} ({Reason}): the connection gets the groups the projection knows; the next connect asks again")]
    private partial void LogIdentityFailed(Guid userId, string reason);

    [LoggerMessage(EventId = 607, Level = LogLevel.Warning, Message = "No token to ask identity for the groups of user {UserId} with: the connection gets the groups the projection knows")]
    private partial void LogNoToken(Guid userId);
}
