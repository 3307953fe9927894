using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roomcast.ServiceDefaults;

namespace Roomcast.Bench.Idle;

/// <summary>
/// <c>backplane stock-server [--auth roomcast]</c> (listening on <c>ASPNETCORE_URLS</c>): a bare ASP.NET Core SignalR server
/// (an empty hub at the gateway's path, SignalR's default lifetime manager) as the reference for the
/// idle-connection memory runs. With <c>--auth roomcast</c> it validates the caller's JWT exactly as
/// the gateway does (Roomcast's service defaults, configured by the same <c>Jwt__*</c> variables),
/// so the difference between the two shows what authentication holds per connection. With
/// <c>--auth roomcast-lean</c> the same validation keeps less for the connection's lifetime: no saved
/// token (<c>SaveToken</c> off) and the claims copied into a plain identity, so the principal no
/// longer references the parsed <c>JsonWebToken</c> (measured here first, then adopted by the service
/// defaults, which since also keep only the claims the services read: <c>--auth roomcast</c> is now the leaner).
/// </summary>
internal static class StockServer
{
    public static async Task<int> RunAsync(Dictionary<string, string> o, CancellationToken cancellationToken)
    {
        var auth = o.Remove("auth", out var scheme) ? scheme : "none";
        BackplaneBench.EnsureConsumed(o);
        if (auth is not ("none" or "roomcast" or "roomcast-lean"))
        {
            throw new ArgumentException("--auth takes none, roomcast or roomcast-lean");
        }

        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSignalR();
        if (auth != "none")
        {
            builder.AddRoomcastJwtValidation();
        }
        if (auth == "roomcast-lean")
        {
            builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, bearer =>
            {
                bearer.SaveToken = false;
                bearer.Events.OnTokenValidated = validated =>
                {
                    if (validated.Principal?.Identity is ClaimsIdentity identity)
                    {
                        validated.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                            identity.Claims.Select(claim => new Claim(claim.Type, claim.Value, claim.ValueType)),
                            identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType));
                    }
                    return Task.CompletedTask;
                };
            });
        }
        var app = builder.Build();
        app.UseWebSockets();
        if (auth != "none")
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }
        var hub = app.MapHub<EmptyHub>("/hubs/notifications");
        if (auth != "none")
        {
            hub.RequireAuthorization();
        }
        app.MapGet("/health/ready", () => "ready");
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    private sealed class EmptyHub : Hub;
}
