using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.Identity.Sessions;

public static class SessionEndpoints
{
    public const string LogoutEverywherePath = "/auth/logout-everywhere";

    public static RouteGroupBuilder MapSessions(this RouteGroupBuilder api)
    {
        // Signed in by access token, not by a refresh token: it ends the logins of every device.
        api.MapPost(LogoutEverywherePath, LogoutEverywhereAsync).RequireAuthorization();
        return api;
    }

    private static async Task<NoContent> LogoutEverywhereAsync(ClaimsPrincipal user, SessionCommands sessions, CancellationToken cancellationToken)
    {
        await sessions.LogoutEverywhereAsync(user.UserId()!.Value, cancellationToken);
        return TypedResults.NoContent();
    }
}
