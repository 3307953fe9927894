using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Roomcast.Identity.Users;

namespace Roomcast.Identity.Accounts;

/// <summary>
/// Checks a username and password, and locks out repeated failures: per (account, client address),
/// and across all addresses for those the account never signed in from (services/identity/README.md,
/// "Client addresses and lockout"). Unknown users, wrong passwords and locked accounts get the same
/// answer after the same hash work, so neither the message nor the timing tells which names exist.
/// </summary>
public sealed partial class CredentialsVerifier(
    UserStore users, LoginAttemptStore attempts, IPasswordHasher<User> hasher, IOptions<IdentityOptions> options, ILogger<CredentialsVerifier> logger)
{
    /// <summary>What a password change is told when the current password is wrong, or when its client is locked out.</summary>
    public const string WrongCurrentPassword = "The current password is wrong.";

    private static readonly User Nobody = new(Guid.Empty, "", "", false);
    private readonly Lazy<string> _decoyHash = new(() => hasher.HashPassword(Nobody, Guid.NewGuid().ToString()));

    public async Task<User?> VerifyAsync(string username, string password, string clientAddress, CancellationToken cancellationToken)
    {
        var user = await users.FindByUsernameAsync(username, cancellationToken);
        if (user is null)
        {
            hasher.VerifyHashedPassword(Nobody, _decoyHash.Value, password);
            return null;
        }

        var matches = Matches(user, password);
        if (await IsLockedOutAsync(user.Id, clientAddress, cancellationToken))
        {
            return null;
        }

        await RecordAsync(user.Id, clientAddress, matches, cancellationToken);
        return matches ? user : null;
    }

    /// <summary>
    /// Whether <paramref name="clientAddress"/> may not try a password of the account now. A locked
    /// client's attempts are not counted, so locking does not extend itself.
    /// </summary>
    public async Task<bool> IsLockedOutAsync(Guid userId, string clientAddress, CancellationToken cancellationToken)
    {
        var lockout = await attempts.LockoutOfAsync(userId, clientAddress, options.Value, cancellationToken);
        if (lockout.AddressLocked)
        {
            LogAddressLocked(userId, clientAddress);
        }
        else if (lockout.AccountLocked)
        {
            LogAccountLocked(userId, clientAddress);
        }

        return lockout.Locked;
    }

    /// <summary>
    /// Spends the hash work of a password check on nothing: a locked-out password change answers after
    /// the same work as a wrong one.
    /// </summary>
    public void SpendDecoyHash(string password) => hasher.VerifyHashedPassword(Nobody, _decoyHash.Value, password);

    /// <summary>Counts a password attempt of a known account from <paramref name="clientAddress"/> towards (or out of) the lockout.</summary>
    public async Task RecordAsync(Guid userId, string clientAddress, bool succeeded, CancellationToken cancellationToken)
    {
        if (succeeded)
        {
            await attempts.RecordSuccessAsync(userId, clientAddress, options.Value, cancellationToken);
        }
        else
        {
            await attempts.RecordFailureAsync(userId, clientAddress, options.Value, cancellationToken);
            LogFailed(userId, clientAddress);
        }
    }

    /// <summary>Checks the password of a known user; the caller counts the attempt (<see cref="RecordAsync"/>).</summary>
    public bool Matches(User user, string password) =>
        hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    [LoggerMessage(EventId = IdentityLogEvents.PasswordWrong, Level = LogLevel.Information, Message = "Wrong password for user {UserId} from {ClientAddress}")]
    private partial void LogFailed(Guid userId, string clientAddress);

    [LoggerMessage(EventId = IdentityLogEvents.PasswordRefusedAccountLocked, Level = LogLevel.Warning, Message = "Refused a password of user {UserId} from {ClientAddress}: the account is locked for addresses it has not signed in from")]
    private partial void LogAccountLocked(Guid userId, string clientAddress);

    [LoggerMessage(EventId = IdentityLogEvents.PasswordRefusedAddressLocked, Level = LogLevel.Warning, Message = "Refused a password of user {UserId} from {ClientAddress}: that address is locked out of the account")]
    private partial void LogAddressLocked(Guid userId, string clientAddress);
}
