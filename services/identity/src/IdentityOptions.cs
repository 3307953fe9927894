using System.ComponentModel.DataAnnotations;

namespace Roomcast.Identity;

/// <summary>Section <c>Identity</c>.</summary>
public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>The public base URL of this service: the <c>iss</c> of its tokens and the base of its discovery document.</summary>
    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "roomcast";

    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:10", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>When true anyone may register; otherwise only admins create accounts.</summary>
    public bool OpenRegistration { get; set; }

    /// <summary>Consecutive wrong passwords from one client address that lock that address out of the account.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>How long an (account, address) lock lasts; failures further apart than this start the count over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Login attempts one client (IP address) may make per <see cref="LoginRateWindow"/>.</summary>
    [Range(1, 100_000)]
    public int LoginRateLimit { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LoginRateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a signing key signs before a new one takes over.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "365.00:00:00")]
    public TimeSpan SigningKeyLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a new key is published before it signs; at least the validators' JWKS refresh
    /// interval (<c>Jwt__KeyRefreshInterval</c>), so no validator meets an unknown key.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan SigningKeyPrepublication { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often an instance rereads the keys (another instance may have rotated them).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SigningKeyReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a login lasts however often its refresh token is rotated: past this time from the
    /// login, its family's refresh tokens are refused and the user signs in again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan RefreshFamilyLifetime { get; set; } = TimeSpan.FromDays(30);

    // Client addresses, the account-wide lockout ceiling and signing keys at rest (README: "Client addresses and lockout", "Key rotation").

    /// <summary>
    /// Proxies whose <c>X-Forwarded-For</c> names the client: IP addresses or CIDR ranges, comma-separated.
    /// Empty (the default): no proxy is trusted and the connection's address is the client's.
    /// </summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>Wrong passwords to one account, from all addresses together, that lock it for every address it has not signed in from.</summary>
    [Range(1, 1_000_000)]
    public int AccountLockoutThreshold { get; set; } = 50;

    /// <summary>The first account-wide lock; each consecutive one lasts twice as long, up to <see cref="AccountLockoutMaxDuration"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AccountLockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan AccountLockoutMaxDuration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long an address the account signed in from stays exempt from the account-wide lock.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan KnownAddressLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Base64 of 32 random bytes: the AES-256 key that seals the signing keys in the database. Required; keep it out of the database.</summary>
    public string KeyEncryptionKey { get; set; } = "";

    /// <summary>How often identity publishes a snapshot of every group's membership, so the copies other services keep are reconciled with it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MembershipSnapshotInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The least time between two membership snapshots: requests within it are coalesced into the next one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MembershipSnapshotRequestGap { get; set; } = TimeSpan.FromSeconds(10);
}
