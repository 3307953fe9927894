using Dapper;
using Npgsql;

namespace Roomcast.Identity.Accounts;

/// <summary>
/// Wrong passwords and locks per (account, client address), the account-wide ceiling over all
/// addresses, and the addresses an account signed in from: every SQL statement of the lockout.
/// Times are the database's, so instances with skewed clocks agree.
/// </summary>
public sealed class LoginAttemptStore(NpgsqlDataSource dataSource)
{
    // The pair's count including this failure; failures more than a lockout duration apart start over.
    private const string NextFailure =
        "(CASE WHEN a.last_failure_at IS NULL OR a.last_failure_at < now() - @duration THEN 1 ELSE a.failures + 1 END)";

    // Rows that hold nothing any more: no lock, no recent failure, no sign-in recent enough to make the address known.
    private const string ForgetStale =
        """
        DELETE FROM login_addresses
        WHERE user_id = @userId
          AND (locked_until IS NULL OR locked_until < now())
          AND (last_failure_at IS NULL OR last_failure_at < now() - @duration)
          AND (last_success_at IS NULL OR last_success_at < now() - @knownAddressLifetime);
        """;

    /// <summary>Whether <paramref name="clientAddress"/> may not try a password of <paramref name="userId"/> now, and why.</summary>
    public async Task<Lockout> LockoutOfAsync(Guid userId, string clientAddress, IdentityOptions settings, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Lockout>(new CommandDefinition(
            """
            SELECT coalesce(a.locked_until > now(), false) AS AddressLocked,
                   coalesce(u.locked_until > now(), false)
                       AND NOT coalesce(a.last_success_at > now() - @knownAddressLifetime, false) AS AccountLocked
            FROM users u LEFT JOIN login_addresses a ON a.user_id = u.id AND a.client_address = @clientAddress
            WHERE u.id = @userId
            """, new { userId, clientAddress, knownAddressLifetime = settings.KnownAddressLifetime }, cancellationToken: cancellationToken))
            ?? new Lockout(false, false);
    }

    /// <summary>
    /// Counts a wrong password against the pair and against the account's ceiling; the failure that
    /// reaches a threshold locks (the pair for <see cref="IdentityOptions.LockoutDuration"/>, the
    /// account for a duration that doubles with each consecutive account-wide lock).
    /// </summary>
    public async Task RecordFailureAsync(Guid userId, string clientAddress, IdentityOptions settings, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO login_addresses AS a (user_id, client_address, failures, last_failure_at, locked_until)
            VALUES (@userId, @clientAddress, CASE WHEN @threshold <= 1 THEN 0 ELSE 1 END, now(), CASE WHEN @threshold <= 1 THEN now() + @duration END)
            ON CONFLICT (user_id, client_address) DO UPDATE SET
                failures        = CASE WHEN {NextFailure} >= @threshold THEN 0 ELSE {NextFailure} END,
                locked_until    = CASE WHEN {NextFailure} >= @threshold THEN now() + @duration ELSE a.locked_until END,
                last_failure_at = now();
            UPDATE users SET
                locked_until     = CASE WHEN failed_logins + 1 >= @accountThreshold
                                        THEN now() + least(@accountDuration * power(2, least(account_lockouts, 30)), @accountMaxDuration)
                                        ELSE locked_until END,
                account_lockouts = CASE WHEN failed_logins + 1 >= @accountThreshold THEN account_lockouts + 1 ELSE account_lockouts END,
                failed_logins    = CASE WHEN failed_logins + 1 >= @accountThreshold THEN 0 ELSE failed_logins + 1 END
            WHERE id = @userId;
            {ForgetStale}
            """,
            new
            {
                userId,
                clientAddress,
                threshold = settings.LockoutThreshold,
                duration = settings.LockoutDuration,
                accountThreshold = settings.AccountLockoutThreshold,
                accountDuration = settings.AccountLockoutDuration,
                accountMaxDuration = settings.AccountLockoutMaxDuration,
                knownAddressLifetime = settings.KnownAddressLifetime,
            }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// A right password: the pair's failures and lock end and the address becomes known; the account's
    /// count starts over. An account-wide lock in force stays for every other address, and so does its
    /// doubling, which starts over only after a sign-in while no account-wide lock holds.
    /// </summary>
    public async Task RecordSuccessAsync(Guid userId, string clientAddress, IdentityOptions settings, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO login_addresses AS a (user_id, client_address, last_success_at)
            VALUES (@userId, @clientAddress, now())
            ON CONFLICT (user_id, client_address) DO UPDATE SET failures = 0, locked_until = NULL, last_success_at = now();
            UPDATE users SET
                failed_logins    = 0,
                account_lockouts = CASE WHEN locked_until > now() THEN account_lockouts ELSE 0 END,
                locked_until     = CASE WHEN locked_until > now() THEN locked_until END
            WHERE id = @userId AND (failed_logins <> 0 OR account_lockouts <> 0 OR locked_until IS NOT NULL);
            {ForgetStale}
            """,
            new { userId, clientAddress, duration = settings.LockoutDuration, knownAddressLifetime = settings.KnownAddressLifetime },
            cancellationToken: cancellationToken));
    }

    public sealed record Lockout(bool AddressLocked, bool AccountLocked)
    {
        public bool Locked => AddressLocked || AccountLocked;
    }
}
