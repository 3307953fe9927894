using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Roomcast.DocumentsApi.Projection;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.DocumentsApi.Access;

/// <summary>
/// documents-api honours an access token only while its session lives and judges the admin role by
/// identity's latest word, both as its projection of identity holds them: a token whose
/// <c>session_epoch</c> is below the user's epoch is refused (401, like any invalid token), and the
/// principal every endpoint sees carries the admin role only if the projection says so.
/// One round trip per authenticated request (two primary-key lookups). No in-process cache: the
/// instances share the projection's queue, so only one of them hears each event and the others could
/// not drop a stale entry.
/// </summary>
internal static class ProjectedSessionCheck
{
    public static void AddProjectedSessionCheck(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, bearer =>
        {
            var validated = bearer.Events.OnTokenValidated;
            bearer.Events.OnTokenValidated = async context =>
            {
                await validated(context);
                if (context.Result is null)
                {
                    await CheckAsync(context);
                }
            };
        });

    private static async Task CheckAsync(TokenValidatedContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity identity || context.Principal.UserId() is not { } userId)
        {
            // The endpoints answer a token without a user themselves.
            return;
        }

        var projection = context.HttpContext.RequestServices.GetRequiredService<MembershipProjectionStore>();
        var caller = await projection.FindCallerAsync(userId, context.HttpContext.RequestAborted);
        if (context.Principal.SessionEpochOf() < caller.SessionEpoch)
        {
            context.Fail("The session of this access token has ended.");
            return;
        }

        // A user identity registered a moment ago may call before their UserRegistered reaches the
        // projection: only then does the token's own role count. Once the projection has heard of the
        // user, its role is identity's latest word and wins over any token issued before a change.
        if (caller.IsAdmin is not { } isAdmin || isAdmin == context.Principal.IsAdmin())
        {
            return;
        }

        var claims = identity.Claims.Where(claim => claim.Type != RoomcastClaims.Role).ToList();
        if (isAdmin)
        {
            claims.Add(new Claim(RoomcastClaims.Role, RoomcastClaims.AdminRole));
        }

        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
    }
}
