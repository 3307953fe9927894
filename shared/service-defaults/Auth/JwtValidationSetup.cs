using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.ServiceDefaults.Auth;

internal static class JwtValidationSetup
{
    private const string HubPathPrefix = "/hubs";

    public static void AddRoomcastJwtValidation(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<JwtValidationOptions>(JwtValidationOptions.Section);
        var services = builder.Services;
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtValidationOptions>>((bearer, jwt) =>
            {
                bearer.Authority = jwt.Value.Authority;
                bearer.Audience = jwt.Value.Audience;
                bearer.RequireHttpsMetadata = jwt.Value.RequireHttpsMetadata;
                // The handler refuses automatic refreshes under five minutes; JwksRefresher keeps to ours.
                bearer.AutomaticRefreshInterval = TimeSpan.FromMinutes(Math.Max(5, jwt.Value.KeyRefreshInterval.TotalMinutes));
                bearer.RefreshInterval = TimeSpan.FromSeconds(1);
                // Keep claim names as issued (sub, name, role) instead of the legacy SOAP URIs.
                bearer.MapInboundClaims = false;
                // A client sends the same token with every request: its signature is checked once.
                for (var i = 0; i < bearer.TokenHandlers.Count; i++)
                {
                    bearer.TokenHandlers[i] = new RememberingTokenHandler(bearer.TokenHandlers[i], jwt.Value.RememberedTokens, jwt.Value.KeyRefreshInterval);
                }

                bearer.TokenValidationParameters.NameClaimType = RoomcastClaims.Name;
                bearer.TokenValidationParameters.RoleClaimType = RoomcastClaims.Role;
                // A WebSocket's HttpContext lives as long as the connection: keeping the raw token and the
                // parsed JsonWebToken behind the principal cost ~4 KiB per idle connection (measured,
                // bench/Roomcast.Bench README). Nothing here reads them back after validation.
                bearer.SaveToken = false;
                bearer.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        // Only the claims the services read (RoomcastClaims) outlive validation: iss, aud, exp,
                        // iat, nbf and jti were checked already, and a WebSocket would keep them for its lifetime.
                        if (context.Principal?.Identity is ClaimsIdentity validated)
                        {
                            context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                                validated.Claims.Where(claim => RoomcastClaims.Kept.Contains(claim.Type)).Select(claim => new Claim(claim.Type, claim.Value, claim.ValueType)),
                                validated.AuthenticationType, validated.NameClaimType, validated.RoleClaimType));
                        }

                        return Task.CompletedTask;
                    },
                    // Browsers cannot set headers on a WebSocket, so SignalR sends the token in the query.
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"];
                        if (!string.IsNullOrEmpty(token) && context.HttpContext.Request.Path.StartsWithSegments(HubPathPrefix))
                        {
                            context.Token = token;
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        services.AddAuthorization();
        services.AddHostedService<JwksRefresher>();
    }
}
