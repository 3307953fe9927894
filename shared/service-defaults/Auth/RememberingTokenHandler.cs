using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Roomcast.ServiceDefaults.Auth;

/// <summary>
/// Validates an access token in full once and remembers the result: a client sends the same token with
/// every request of its life, and parsing it and checking its RSA signature was about a tenth of
/// documents-api's CPU per update (BENCHMARKS.md, "Remembered tokens").
/// </summary>
/// <remarks>
/// Guarantee: with the parameters these services validate by (issuer, audience, lifetime and identity's
/// keys; no replay cache, no key or type validator of their own), a remembered token is accepted only
/// while a full validation would accept it too. At every use its lifetime and audience are judged again
/// by that request's parameters, and it must have been validated under the signing configuration
/// (identity's keys and issuer) that is current: each fetch of the JWKS makes a new one, so every token
/// is validated in full once more after it, and a key identity took away stops its tokens as soon as it
/// did before. Only valid results are remembered, until the token expires or <c>maxAge</c> (the key
/// refresh interval) passes, at most <c>capacity</c> of them. Without a configuration manager (keys
/// given in the parameters) nothing is remembered.
/// </remarks>
public sealed class RememberingTokenHandler(TokenHandler inner, int capacity, TimeSpan maxAge) : TokenHandler
{
    private readonly MemoryCache? _remembered = capacity > 0 ? new(new MemoryCacheOptions { SizeLimit = capacity }) : null;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_remembered is null || validationParameters.ConfigurationManager is not { } signing)
        {
            return await inner.ValidateTokenAsync(token, validationParameters);
        }

        var configuration = await signing.GetBaseConfigurationAsync(CancellationToken.None);
        if (_remembered.TryGetValue(token, out Remembered? held) && held!.StillHolds(configuration, validationParameters))
        {
            return held.Result();
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: JsonWebToken validated, ClaimsIdentity: { } identity } && validated.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out _))
        {
            var forgetAt = DateTimeOffset.UtcNow + maxAge;
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validated.ValidTo, DateTimeKind.Utc)) + validationParameters.ClockSkew;
            _remembered.Set(token, new Remembered(configuration, validated, identity.Clone()), new MemoryCacheEntryOptions
            {
                AbsoluteExpiration = expires < forgetAt ? expires : forgetAt,
                Size = 1,
            });
        }

        return result;
    }

    /// <summary>A valid result and the signing configuration it was reached under.</summary>
    private sealed class Remembered(BaseConfiguration? configuration, JsonWebToken token, ClaimsIdentity identity)
    {
        /// <summary>Whether a full validation now would still accept the token.</summary>
        public bool StillHolds(BaseConfiguration? current, TokenValidationParameters parameters)
        {
            if (!ReferenceEquals(current, configuration))
            {
                return false;
            }

            try
            {
                Validators.ValidateLifetime(
                    token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out _) ? token.ValidFrom : null, token.ValidTo, token, parameters);
                Validators.ValidateAudience(token.Audiences, token, parameters);
                return true;
            }
            catch (SecurityTokenValidationException)
            {
                // The full validation that follows gives the caller its precise reason.
                return false;
            }
        }

        /// <summary>A result of its own per request: the endpoints may change the principal they are given.</summary>
        public TokenValidationResult Result() => new()
        {
            IsValid = true,
            SecurityToken = token,
            ClaimsIdentity = identity.Clone(),
            Issuer = token.Issuer,
        };
    }
}
