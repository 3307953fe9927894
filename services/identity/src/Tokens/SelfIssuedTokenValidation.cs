using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// identity validates the tokens it issued against the keys it holds in memory, rather than
/// fetching its own JWKS over HTTP like the other services do; and only while the token's session
/// lives, with the role the account has now (<see cref="CurrentSessionCheck"/>).
/// </summary>
internal static class SelfIssuedTokenValidation
{
    public static void AddSelfIssuedTokenValidation(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<IdentityOptions>, SigningKeyStore>((bearer, identity, keys) =>
            {
                bearer.MapInboundClaims = false;
                var validation = bearer.TokenValidationParameters;
                validation.ValidIssuer = identity.Value.Issuer;
                validation.ValidAudience = identity.Value.Audience;
                validation.NameClaimType = RoomcastClaims.Name;
                validation.RoleClaimType = RoomcastClaims.Role;
                validation.IssuerSigningKeyResolver = (_, _, kid, _) =>
                    keys.Keys.Where(key => key.Kid == kid).Select(key => key.Credentials.Key);
                bearer.Events = new JwtBearerEvents { OnTokenValidated = CurrentSessionCheck.CheckAsync };
            });
    }
}
