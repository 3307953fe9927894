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

/// <summary>identity with its real per-client login limit: 5 attempts a minute.</summary>
public sealed class RateLimitedIdentityStack : RoomcastStack
{
    public const int LoginRateLimit = 5;
    public static readonly TimeSpan LoginRateWindow = TimeSpan.FromMinutes(1);

    protected override Dictionary<string, string> IdentitySettings => new()
    {
        ["Identity__LoginRateLimit"] = LoginRateLimit.ToString(),
        ["Identity__LoginRateWindow"] = LoginRateWindow.ToString("c"),
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
