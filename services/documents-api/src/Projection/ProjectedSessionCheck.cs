using System.Security.Claims;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>
/// documents-api honours an access token only while its session lives and judges the admin role by
/// identity's latest word, both as its projection of identity holds them: a request whose token's
/// <c>session_epoch</c> is below the user's epoch is refused (401, like any invalid token), and the
/// principal every endpoint sees carries the admin role only if the projection says so.
/// A caller asked about a moment ago is answered from <see cref="RememberedCallers"/>, which every
/// instance hears change at the projection's commit (the tables NOTIFY, whichever instance's consumer
/// wrote them); otherwise one round trip of two primary-key lookups.
/// </summary>
/// <remarks>
/// Runs after the request limits (Program.cs), not while the token is validated: the limits are
/// partitioned on the token's user id, which needs no database, so a flood of one user's requests is
/// refused before each costs a round trip here, and the round trips of those let through hold a slot
/// of the service. No endpoint runs before this check, so none runs with an ended session; the price
/// is that an ended session's token, until it expires, still counts against its own user's limits.
/// </remarks>
internal static class ProjectedSessionCheck
{
    private const string EndedSession = "Bearer error=\"invalid_token\", error_description=\"The session of this access token has ended\"";

    public static IApplicationBuilder UseProjectedSessionCheck(this IApplicationBuilder app) => app.Use(CheckAsync);

    private static async Task CheckAsync(HttpContext http, RequestDelegate next)
    {
        if (http.User.Identity is not ClaimsIdentity { IsAuthenticated: true } identity || http.User.UserId() is not { } userId)
        {
            // Anonymous (health endpoints), or a token without a user, which the endpoints answer themselves.
            await next(http);
            return;
        }

        var caller = await http.RequestServices.GetRequiredService<RememberedCallers>().FindAsync(userId, http.RequestAborted);
        if (http.User.SessionEpochOf() < caller.SessionEpoch)
        {
            // No body: the status code pages write the 401 problem, as for any refused token.
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = EndedSession;
            return;
        }

        // A user identity registered a moment ago may call before their UserRegistered reaches the
        // projection: only then does the token's own role count. Once the projection has heard of the
        // user, its role is identity's latest word and wins over any token issued before a change.
        if (caller.IsAdmin is { } isAdmin && isAdmin != http.User.IsAdmin())
        {
            var claims = identity.Claims.Where(claim => claim.Type != RoomcastClaims.Role).ToList();
            if (isAdmin)
            {
                claims.Add(new Claim(RoomcastClaims.Role, RoomcastClaims.AdminRole));
            }

            http.User = new ClaimsPrincipal(new ClaimsIdentity(claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
        }

        await next(http);
    }
}
