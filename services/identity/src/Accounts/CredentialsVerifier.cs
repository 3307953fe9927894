using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Roomcast.Identity.Accounts;

/// <summary>
/// Checks a username and password, and locks an account after repeated failures. Unknown users,
/// wrong passwords and locked accounts get the same answer after the same hash work, so neither
/// the message nor the timing tells which names exist.
/// </summary>
public sealed partial class CredentialsVerifier(UserStore users, IPasswordHasher<User> hasher, IOptions<IdentityOptions> options, TimeProvider clock, ILogger<CredentialsVerifier> logger)
{
    private static readonly User Nobody = new(Guid.Empty, "", "", false);
    private readonly Lazy<string> _decoyHash = new(() => hasher.HashPassword(Nobody, Guid.NewGuid().ToString()));

    public async Task<User?> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        var user = await users.FindByUsernameAsync(username, cancellationToken);
        if (user is null)
        {
            hasher.VerifyHashedPassword(Nobody, _decoyHash.Value, password);
            return null;
        }

        var matches = hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
        if (user.LockedUntil is { } lockedUntil && lockedUntil > clock.GetUtcNow().UtcDateTime)
        {
            LogLocked(user.Id, lockedUntil);
            return null;
        }

        if (!matches)
        {
            await users.RecordFailedLoginAsync(user.Id, options.Value.LockoutThreshold, options.Value.LockoutDuration, cancellationToken);
            LogFailed(user.Id);
            return null;
        }

        await users.RecordSuccessfulLoginAsync(user.Id, cancellationToken);
        return user;
    }

    /// <summary>Checks the password of a known user without counting towards the lockout (a signed-in user changing it).</summary>
    public bool Matches(User user, string password) =>
        hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Failed login for user {UserId}")]
    private partial void LogFailed(Guid userId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Refused login for locked user {UserId} (locked until {LockedUntil:o})")]
    private partial void LogLocked(Guid userId, DateTime lockedUntil);
}
