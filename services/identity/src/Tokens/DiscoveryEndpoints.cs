using Microsoft.Extensions.Options;

namespace Roomcast.Identity.Tokens;

/// <summary>The OpenID discovery document and the JWKS through which other services trust our tokens.</summary>
public static class DiscoveryEndpoints
{
    public static IEndpointRouteBuilder MapDiscovery(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/.well-known/openid-configuration", (IOptions<IdentityOptions> options) =>
        {
            var issuer = options.Value.Issuer.TrimEnd('/');
            return TypedResults.Json(new Dictionary<string, object>
            {
                ["issuer"] = options.Value.Issuer,
                ["jwks_uri"] = $"{issuer}/.well-known/jwks.json",
                ["token_endpoint"] = $"{issuer}/api/v1/auth/login",
                ["id_token_signing_alg_values_supported"] = new[] { SigningKey.Algorithm },
                ["subject_types_supported"] = new[] { "public" },
                ["response_types_supported"] = new[] { "token" },
            });
        });
        endpoints.MapGet("/.well-known/jwks.json", (SigningKeyStore keys) =>
            TypedResults.Json(new { keys = keys.Keys.Select(key => key.ToPublicJwk()) }));
        return endpoints;
    }
}
