namespace Roomcast.Identity;

/// <summary>
/// identity's log event ids, one table so no two events share an id: a hundred per feature folder.
/// The shared libraries it loads keep to 9000–9999 (<see cref="Roomcast.ServiceDefaults.Logging.SharedLogEvents"/>).
/// </summary>
internal static class IdentityLogEvents
{
    // Accounts: 100–199.
    public const int PasswordWrong = 101;
    public const int PasswordRefusedAccountLocked = 102;
    public const int PasswordRefusedAddressLocked = 103;

    // Demo: 200–299.
    public const int DemoSeedApplied = 201;

    // Tokens: 300–399.
    public const int SigningKeyCreated = 301;
    public const int SigningKeySealed = 302;
    public const int SigningKeysRefreshFailed = 303;
    public const int RefreshTokenReused = 310;

    // Membership snapshots: 800–899.
    public const int MembershipSnapshotRequested = 801;
    public const int MembershipSnapshotPublishing = 802;
    public const int MembershipSnapshotProgress = 803;
    public const int MembershipSnapshotPublished = 804;
    public const int MembershipSnapshotFailed = 805;
}
