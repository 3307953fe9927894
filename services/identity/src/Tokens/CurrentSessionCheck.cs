using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Roomcast.Identity.Users;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// identity honours one of its access tokens only while the session it belongs to lives: the account
/// exists, is not disabled, and its session epoch is not above the token's. The admin role is taken
/// from the account as it is now, not from the token, so a demotion or promotion counts at once.
/// One read of the user's row per authenticated request.
/// </summary>
internal static class CurrentSessionCheck
{
    public static async Task CheckAsync(TokenValidatedContext context)
    {
        if (context.Principal?.Identity is not ClaimsIdentity validated || context.Principal.UserId() is not { } userId)
        {
            context.Fail("The access token names no user.");
            return;
        }

        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var user = await users.FindAsync(userId, context.HttpContext.RequestAborted);
        if (user is null || user.Disabled || context.Principal.SessionEpochOf() < user.SessionEpoch)
        {
            context.Fail("The session of this access token has ended.");
            return;
        }

        var claims = validated.Claims.Where(claim => claim.Type != RoomcastClaims.Role).Select(claim => new Claim(claim.Type, claim.Value, claim.ValueType)).ToList();
        if (user.IsAdmin)
        {
            claims.Add(new Claim(RoomcastClaims.Role, RoomcastClaims.AdminRole));
        }

        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, validated.AuthenticationType, validated.NameClaimType, validated.RoleClaimType));
    }
}
