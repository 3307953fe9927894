using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Roomcast.ServiceDefaults;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.UnitTests.Deployment;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Auth;

/// <summary>
/// A token's signature is checked once, and a remembered token is still refused wherever a full
/// validation would refuse it: expired, for another audience, or under signing keys refreshed since.
/// The inner handler is the real one, counted.
/// </summary>
public sealed class RememberedTokensTests
{
    private const string Issuer = "http://identity.test";
    private const string Audience = "roomcast";
    private static readonly Dictionary<string, string?> JwtSettings = new()
    {
        ["Jwt:Authority"] = "http://127.0.0.1:1",
        ["Jwt:Audience"] = Audience,
        ["Jwt:RequireHttpsMetadata"] = "false",
        // Named, not left to the default: the test's directory holds a service's appsettings.json.
        ["Jwt:RememberedTokens"] = "100",
    };
    private static readonly RsaSecurityKey SigningKey = new(RSA.Create(2048)) { KeyId = "key-1" };

    [Fact]
    public async Task ASecondUseIsAnsweredWithoutCheckingTheSignatureAgain()
    {
        var inner = new CountingHandler();
        var handler = new RememberingTokenHandler(inner, capacity: 10, maxAge: TimeSpan.FromMinutes(5));
        var token = Token();
        var parameters = Parameters(Keys(SigningKey));

        var first = await handler.ValidateTokenAsync(token, parameters);
        var second = await handler.ValidateTokenAsync(token, Parameters(parameters.ConfigurationManager!));

        first.IsValid.ShouldBeTrue();
        second.IsValid.ShouldBeTrue();
        inner.Calls.ShouldBe(1);
        second.ClaimsIdentity.FindFirst("sub")!.Value.ShouldBe("user-1");
        second.ClaimsIdentity.Name.ShouldBe("carol");
        // Each request gets an identity of its own to change.
        second.ClaimsIdentity.ShouldNotBeSameAs(first.ClaimsIdentity);
        second.SecurityToken.ShouldNotBeNull();
    }

    [Fact]
    public async Task ARememberedTokenPastItsLifetimeIsRefused()
    {
        var inner = new CountingHandler();
        var handler = new RememberingTokenHandler(inner, capacity: 10, maxAge: TimeSpan.FromMinutes(5));
        var token = Token();
        var keys = Keys(SigningKey);
        var expired = false;
        TokenValidationParameters Judged() => Parameters(keys, lifetime: (_, _, _, _) => !expired);

        (await handler.ValidateTokenAsync(token, Judged())).IsValid.ShouldBeTrue();
        expired = true;
        var refused = await handler.ValidateTokenAsync(token, Judged());

        refused.IsValid.ShouldBeFalse();
        refused.Exception.ShouldBeAssignableTo<SecurityTokenInvalidLifetimeException>();
    }

    [Fact]
    public async Task ARememberedTokenForAnotherAudienceIsRefused()
    {
        var handler = new RememberingTokenHandler(new CountingHandler(), capacity: 10, maxAge: TimeSpan.FromMinutes(5));
        var token = Token();
        var keys = Keys(SigningKey);
        (await handler.ValidateTokenAsync(token, Parameters(keys))).IsValid.ShouldBeTrue();

        var elsewhere = Parameters(keys);
        elsewhere.ValidAudience = "another-service";
        var refused = await handler.ValidateTokenAsync(token, elsewhere);

        refused.IsValid.ShouldBeFalse();
        refused.Exception.ShouldBeAssignableTo<SecurityTokenInvalidAudienceException>();
    }

    [Fact]
    public async Task RefreshedSigningKeysValidateARememberedTokenAgain()
    {
        var inner = new CountingHandler();
        var handler = new RememberingTokenHandler(inner, capacity: 10, maxAge: TimeSpan.FromMinutes(5));
        var token = Token();
        (await handler.ValidateTokenAsync(token, Parameters(Keys(SigningKey)))).IsValid.ShouldBeTrue();

        // identity still publishes the key: the token holds, after one full validation.
        (await handler.ValidateTokenAsync(token, Parameters(Keys(SigningKey)))).IsValid.ShouldBeTrue();
        inner.Calls.ShouldBe(2);

        // identity took the key away: its tokens stop at once.
        var withdrawn = await handler.ValidateTokenAsync(token, Parameters(Keys(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "key-2" })));
        withdrawn.IsValid.ShouldBeFalse();
        withdrawn.Exception.ShouldBeAssignableTo<SecurityTokenSignatureKeyNotFoundException>();
        inner.Calls.ShouldBe(3);
    }

    [Fact]
    public async Task AnInvalidTokenIsNeverRemembered()
    {
        var inner = new CountingHandler();
        var handler = new RememberingTokenHandler(inner, capacity: 10, maxAge: TimeSpan.FromMinutes(5));
        var token = Token();
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        var parameters = Parameters(Keys(SigningKey));

        (await handler.ValidateTokenAsync(forged, parameters)).IsValid.ShouldBeFalse();
        (await handler.ValidateTokenAsync(forged, parameters)).IsValid.ShouldBeFalse();
        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeTrue();
        inner.Calls.ShouldBe(3);
    }

    [Fact]
    public async Task NoCapacityChecksEveryUse()
    {
        var inner = new CountingHandler();
        var handler = new RememberingTokenHandler(inner, capacity: 0, maxAge: TimeSpan.FromMinutes(5));
        var token = Token();
        var parameters = Parameters(Keys(SigningKey));

        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeTrue();
        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeTrue();
        inner.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task TheServicesRememberThroughTheBearerHandlerTheyConfigure()
    {
        var options = await BearerOptionsAsync();
        var handler = options.TokenHandlers.Single().ShouldBeOfType<RememberingTokenHandler>();
        var parameters = options.TokenValidationParameters.Clone();
        parameters.ConfigurationManager = Keys(SigningKey);
        parameters.ValidAudience = Audience;

        var token = Token();
        var validated = await handler.ValidateTokenAsync(token, parameters);
        var remembered = await handler.ValidateTokenAsync(token, parameters);

        validated.IsValid.ShouldBeTrue();
        remembered.IsValid.ShouldBeTrue();
        // Claim names stay as issued (MapInboundClaims off), for the validated and the remembered alike.
        validated.ClaimsIdentity.FindFirst("sub")!.Value.ShouldBe("user-1");
        remembered.ClaimsIdentity.FindFirst("sub")!.Value.ShouldBe("user-1");
        remembered.ClaimsIdentity.Name.ShouldBe("carol");
    }

    [Fact]
    public async Task TheBearerHandlerChecksARequestsTokenOnceAndRefusesAnExpiredOne()
    {
        // The real JwtBearerHandler, as documents-api runs it: it hands the handlers identity's
        // configuration manager (here a static one holding the key), which the remembering needs.
        var counting = new CountingHandler();
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(JwtSettings);
        builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, bearer =>
        {
            bearer.TokenHandlers.Clear();
            bearer.TokenHandlers.Add(counting);
        });
        builder.AddRoomcastJwtValidation();
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, bearer => bearer.ConfigurationManager = Keys(SigningKey));
        await using var app = builder.Build();
        var token = Token();

        async Task<AuthenticateResult> Authenticate(string bearerToken)
        {
            // A scope per request, as Kestrel gives one: the handler and its result belong to the request.
            await using var request = app.Services.CreateAsyncScope();
            var http = new DefaultHttpContext { RequestServices = request.ServiceProvider };
            http.Request.Headers.Authorization = $"Bearer {bearerToken}";
            return await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        }

        var first = await Authenticate(token);
        var second = await Authenticate(token);

        first.Succeeded.ShouldBeTrue();
        second.Succeeded.ShouldBeTrue();
        second.Principal!.FindFirst("sub")!.Value.ShouldBe("user-1");
        counting.Calls.ShouldBe(1);
        (await Authenticate(Token(expires: DateTime.UtcNow.AddMinutes(-10)))).Succeeded.ShouldBeFalse();
    }

    [Fact]
    public void DocumentsApiRemembersTokensAndTheGatewayNone()
    {
        // A gateway validates a token once per connection: remembered ones would only cost memory.
        Settings("services/realtime-gateway/src/appsettings.json").GetValue<int?>("Jwt:RememberedTokens").ShouldBe(0);
        (Settings("services/documents-api/src/appsettings.json").GetValue<int?>("Jwt:RememberedTokens") ?? new JwtValidationOptions().RememberedTokens)
            .ShouldBeGreaterThan(0);
    }

    private static IConfiguration Settings(string appsettings) =>
        new ConfigurationBuilder().AddJsonFile(Repository.PathOf(appsettings)).Build();

    private static async Task<JwtBearerOptions> BearerOptionsAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(JwtSettings);
        builder.AddRoomcastJwtValidation();
        await using var app = builder.Build();
        return app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
    }

    private static string Token(DateTime? expires = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        IssuedAt = (expires ?? DateTime.UtcNow).AddMinutes(-20),
        NotBefore = (expires ?? DateTime.UtcNow).AddMinutes(-20),
        Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
        Subject = new ClaimsIdentity([new Claim("sub", "user-1"), new Claim(RoomcastClaims.Name, "carol")]),
        SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
    });

    /// <summary>identity's discovery document as JwtBearer holds it: each fetch is a new configuration.</summary>
    private static StaticConfigurationManager<OpenIdConnectConfiguration> Keys(SecurityKey key)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
        configuration.SigningKeys.Add(key);
        return new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
    }

    private static TokenValidationParameters Parameters(BaseConfigurationManager keys, LifetimeValidator? lifetime = null) => new()
    {
        ConfigurationManager = keys,
        ValidAudience = Audience,
        NameClaimType = RoomcastClaims.Name,
        ClockSkew = TimeSpan.Zero,
        LifetimeValidator = lifetime,
    };

    private sealed class CountingHandler : JsonWebTokenHandler
    {
        private int _calls;

        public CountingHandler() => MapInboundClaims = false;

        public int Calls => _calls;

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Interlocked.Increment(ref _calls);
            return base.ValidateTokenAsync(token, validationParameters);
        }
    }
}
