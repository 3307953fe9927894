using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults;
using Roomcast.ServiceDefaults.Auth;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Auth;

/// <summary>
/// What a validated principal keeps: a WebSocket's HttpContext lives as long as the connection, so
/// every claim kept is memory per idle connection. Only the claims the services read stay.
/// </summary>
public sealed class ValidatedPrincipalTests
{
    [Fact]
    public async Task AValidatedPrincipalKeepsOnlyTheClaimsTheServicesRead()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jwt:Authority"] = "http://127.0.0.1:1",
            ["Jwt:Audience"] = "roomcast",
            ["Jwt:RequireHttpsMetadata"] = "false",
        });
        builder.AddRoomcastJwtValidation();
        await using var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var userId = Guid.NewGuid();
        var context = new TokenValidatedContext(
            new DefaultHttpContext(), new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler)), options)
        {
            Principal = new ClaimsPrincipal(new ClaimsIdentity(
                [
                    new Claim(RoomcastClaims.Subject, userId.ToString("D")), new Claim(RoomcastClaims.Name, "carol"), new Claim(RoomcastClaims.Role, RoomcastClaims.AdminRole),
                    new Claim("jti", "0f1e"), new Claim("iss", "http://127.0.0.1:1"), new Claim("aud", "roomcast"), new Claim("exp", "1900000000"), new Claim("iat", "1800000000"), new Claim("nbf", "1800000000"),
                ],
                "AuthenticationTypes.Federation", RoomcastClaims.Name, RoomcastClaims.Role)),
        };

        await options.Events.OnTokenValidated(context);

        var principal = context.Principal.ShouldNotBeNull();
        principal.Claims.Select(claim => claim.Type).ShouldBe([RoomcastClaims.Subject, RoomcastClaims.Name, RoomcastClaims.Role], ignoreOrder: true);
        principal.UserId().ShouldBe(userId);
        principal.IsAdmin().ShouldBeTrue();
        principal.Identity.ShouldNotBeNull().Name.ShouldBe("carol");
        principal.Identity.IsAuthenticated.ShouldBeTrue();
    }
}
