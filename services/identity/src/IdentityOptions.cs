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

    /// <summary>Consecutive failed logins that lock an account.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

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

    /// <summary>How often identity publishes a snapshot of every group's membership, so the copies other services keep are reconciled with it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MembershipSnapshotInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The least time between two membership snapshots: requests within it are coalesced into the next one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MembershipSnapshotRequestGap { get; set; } = TimeSpan.FromSeconds(10);
}
