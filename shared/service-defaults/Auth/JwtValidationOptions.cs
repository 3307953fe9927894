using System.ComponentModel.DataAnnotations;

namespace Roomcast.ServiceDefaults.Auth;

/// <summary>How a service finds and trusts identity's signing keys (section <c>Jwt</c>).</summary>
public sealed class JwtValidationOptions
{
    public const string Section = "Jwt";

    /// <summary>identity's base URL; its <c>/.well-known/openid-configuration</c> names the JWKS.</summary>
    [Required]
    public string Authority { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "roomcast";

    /// <summary>
    /// How often the JWKS is fetched again. identity publishes a new key for longer than this before
    /// it signs with it (<c>Identity__SigningKeyPrepublication</c>), so no valid token meets an unknown key.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many validated access tokens are remembered, so that a token's signature is checked once rather
    /// than on every request (see <see cref="RememberingTokenHandler"/>); 0 checks every request. About
    /// 5 KiB each. The gateway validates a token once per connection, so it remembers none.
    /// </summary>
    [Range(0, 1_000_000)]
    public int RememberedTokens { get; set; } = 10_000;

    /// <summary>False only for loopback development and tests over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
