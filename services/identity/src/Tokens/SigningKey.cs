using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Roomcast.Identity.Tokens;

/// <summary>An RSA key that signs access tokens, named by its <c>kid</c>, signing from <see cref="ActivatesAt"/>.</summary>
public sealed class SigningKey(string kid, RSA rsa, DateTimeOffset activatesAt, DateTimeOffset? retiredAt)
{
    public const string Algorithm = SecurityAlgorithms.RsaSha256;

    public string Kid { get; } = kid;

    public DateTimeOffset ActivatesAt { get; } = activatesAt;

    /// <summary>When a newer key took over signing; tokens signed before stay valid until they expire.</summary>
    public DateTimeOffset? RetiredAt { get; } = retiredAt;

    public SigningCredentials Credentials { get; } = new(new RsaSecurityKey(rsa) { KeyId = kid }, Algorithm);

    /// <summary>The public half only, as published in the JWKS.</summary>
    public PublicJsonWebKey ToPublicJwk()
    {
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        return new PublicJsonWebKey(
            Kty: "RSA",
            Use: "sig",
            Alg: Algorithm,
            Kid: Kid,
            N: Base64UrlEncoder.Encode(parameters.Modulus),
            E: Base64UrlEncoder.Encode(parameters.Exponent));
    }
}

public sealed record PublicJsonWebKey(string Kty, string Use, string Alg, string Kid, string N, string E);
