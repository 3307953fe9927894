using Roomcast.EndToEndTests.Infrastructure;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// The stack most identity tests share (one collection, so one set of processes): accounts lock
/// after 3 consecutive failed logins for 3 s; the per-client login limit is lifted. Tests that fail
/// logins on purpose do it on accounts they registered themselves, never on the demo users.
/// </summary>
public sealed class IdentityStack : RoomcastStack
{
    public const int LockoutThreshold = 3;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromSeconds(3);

    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__LoginRateLimit"] = "100000",
        ["Identity__LockoutThreshold"] = LockoutThreshold.ToString(),
        ["Identity__LockoutDuration"] = LockoutDuration.ToString("c"),
    };
}

[CollectionDefinition(Name)]
public sealed class IdentityCollection : ICollectionFixture<IdentityStack>
{
    public const string Name = "identity";
}

/// <summary>
/// identity with its real per-client login limit: 5 attempts a minute, behind a trusted proxy at
/// 127.0.0.1 (a request from there without <c>X-Forwarded-For</c> is 127.0.0.1's own).
/// </summary>
public sealed class RateLimitedIdentityStack : RoomcastStack
{
    public const int LoginRateLimit = 5;
    public const string TrustedProxy = "127.0.0.1";
    public static readonly TimeSpan LoginRateWindow = TimeSpan.FromMinutes(1);

    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__LoginRateLimit"] = LoginRateLimit.ToString(),
        ["Identity__LoginRateWindow"] = LoginRateWindow.ToString("c"),
        ["Identity__TrustedProxies"] = TrustedProxy,
    };
}

/// <summary>
/// Fast key rotation: a rotated key is published 6 s before it signs, identity rereads its keys every
/// second, and documents-api and the gateway refetch the JWKS every second.
/// </summary>
public sealed class KeyRotationStack : RoomcastStack
{
    // Several refresh periods of the validators, so a loaded machine still fetches the key in time.
    public static readonly TimeSpan Prepublication = TimeSpan.FromSeconds(6);

    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__LoginRateLimit"] = "100000",
        ["Identity__SigningKeyPrepublication"] = Prepublication.ToString("c"),
        ["Identity__SigningKeyReloadInterval"] = "00:00:01",
    };

    protected override Dictionary<string, string> ValidatorSettings => new() { ["Jwt__KeyRefreshInterval"] = "00:00:01" };
}

/// <summary>identity with open registration: anyone may create a (non-admin) account.</summary>
public sealed class OpenRegistrationStack : RoomcastStack
{
    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__LoginRateLimit"] = "100000",
        ["Identity__OpenRegistration"] = "true",
    };
}

/// <summary>identity whose logins end 3 s after they began, however often their refresh tokens are rotated.</summary>
public sealed class ShortRefreshFamilyStack : RoomcastStack
{
    public static readonly TimeSpan RefreshFamilyLifetime = TimeSpan.FromSeconds(3);

    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__LoginRateLimit"] = "100000",
        ["Identity__RefreshFamilyLifetime"] = RefreshFamilyLifetime.ToString("c"),
    };
}

/// <summary>
/// identity behind a trusted proxy at 127.0.0.1, so a test speaks for any client address it names in
/// <c>X-Forwarded-For</c>: 3 wrong passwords lock an (account, address) pair for a minute, 8 across
/// all addresses lock the account for every address that never signed in to it; the per-client
/// limit is lifted. Every test uses fresh addresses and accounts of its own.
/// </summary>
public sealed class ForwardedClientsStack : RoomcastStack
{
    public const int LockoutThreshold = 3;
    public const int AccountLockoutThreshold = 8;

    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__TrustedProxies"] = "127.0.0.1",
        ["Identity__LoginRateLimit"] = "100000",
        ["Identity__LockoutThreshold"] = LockoutThreshold.ToString(),
        ["Identity__LockoutDuration"] = "00:01:00",
        ["Identity__AccountLockoutThreshold"] = AccountLockoutThreshold.ToString(),
        ["Identity__AccountLockoutDuration"] = "00:01:00",
    };
}

[CollectionDefinition(Name)]
public sealed class ForwardedClientsCollection : ICollectionFixture<ForwardedClientsStack>
{
    public const string Name = "identity behind a trusted proxy";
}
