using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Roomcast.Identity.Users;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.Identity.Tokens;

public sealed record AccessToken(string Value, TimeSpan Lifetime);

/// <summary>Issues short-lived access JWTs: <c>sub</c> (user id), <c>name</c>, <c>role</c> for admins, <c>session_epoch</c>.</summary>
public sealed class AccessTokenIssuer(SigningKeyStore keys, IOptions<IdentityOptions> options, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public Task<AccessToken> IssueAsync(User user, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            [RoomcastClaims.Subject] = user.Id.ToString("D"),
            [RoomcastClaims.Name] = user.Username,
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            [RoomcastClaims.SessionEpoch] = user.SessionEpoch,
        };
        if (user.IsAdmin)
        {
            claims[RoomcastClaims.Role] = RoomcastClaims.AdminRole;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            Claims = claims,
            SigningCredentials = keys.Current.Credentials,
        });
        return Task.FromResult(new AccessToken(token, settings.AccessTokenLifetime));
    }
}
