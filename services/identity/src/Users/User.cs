namespace Roomcast.Identity.Users;

/// <param name="SessionEpoch">Raised each time every session of the user ends; access tokens below it are no longer honoured.</param>
/// <param name="Disabled">A disabled account cannot log in or refresh, and its sessions have ended.</param>
public sealed record User(
    Guid Id, string Username, string PasswordHash, bool IsAdmin, long Version = 1, int FailedLogins = 0, DateTime? LockedUntil = null,
    long SessionEpoch = 0, bool Disabled = false);

/// <summary>A user as the API returns it: never the hash, never the lockout state.</summary>
public sealed record UserResponse(Guid Id, string Username, bool IsAdmin, long Version, bool Disabled)
{
    public static UserResponse From(User user) => new(user.Id, user.Username, user.IsAdmin, user.Version, user.Disabled);
}
