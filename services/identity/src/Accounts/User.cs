namespace Roomcast.Identity.Accounts;

public sealed record User(Guid Id, string Username, string PasswordHash, bool IsAdmin, long Version = 1, int FailedLogins = 0, DateTime? LockedUntil = null);

/// <summary>A user as the API returns it: never the hash, never the lockout state.</summary>
public sealed record UserResponse(Guid Id, string Username, bool IsAdmin, long Version)
{
    public static UserResponse From(User user) => new(user.Id, user.Username, user.IsAdmin, user.Version);
}
