using Dapper;
using Npgsql;

namespace Roomcast.Identity.Users;

/// <summary>The users table: every SQL statement about accounts lives here.</summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    private const string Columns =
        "id AS Id, username AS Username, password_hash AS PasswordHash, is_admin AS IsAdmin, version AS Version, failed_logins AS FailedLogins, locked_until AS LockedUntil, " +
        "session_epoch AS SessionEpoch, disabled AS Disabled";

    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public async Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE normalized_username = @normalized",
            new { normalized = Normalize(username) }, cancellationToken: cancellationToken));
    }

    public static Task<User?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @id {(transaction is null ? "" : "FOR UPDATE")}", new { id }, transaction, cancellationToken: cancellationToken));

    public async Task<User?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, id, cancellationToken);
    }

    public async Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users ORDER BY normalized_username", cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Creates the user unless one with that id or name exists; returns whether it was created.</summary>
    public static async Task<bool> InsertIfAbsentAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, User user, CancellationToken cancellationToken)
    {
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, username, normalized_username, password_hash, is_admin)
            VALUES (@Id, @Username, @normalized, @PasswordHash, @IsAdmin)
            ON CONFLICT DO NOTHING
            """,
            new { user.Id, user.Username, normalized = Normalize(user.Username), user.PasswordHash, user.IsAdmin },
            transaction, cancellationToken: cancellationToken));
        return inserted == 1;
    }

    public static Task<User> SetPasswordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, string passwordHash, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<User>(new CommandDefinition(
            $"UPDATE users SET password_hash = @passwordHash, version = version + 1 WHERE id = @id RETURNING {Columns}",
            new { id, passwordHash }, transaction, cancellationToken: cancellationToken));

    public static Task<User> SetAdminAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, bool isAdmin, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<User>(new CommandDefinition(
            $"UPDATE users SET is_admin = @isAdmin, version = version + 1 WHERE id = @id RETURNING {Columns}",
            new { id, isAdmin }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Counts the enabled admins under a lock held until the transaction ends: concurrent demotions and
    /// disablings are serialised, so two at once cannot both see "another admin is left".
    /// </summary>
    public static async Task<long> CountAdminsForDemotionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext('roomcast.identity.admins'))", transaction: transaction, cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM users WHERE is_admin AND NOT disabled", transaction: transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Ends every session of the user: the session epoch goes up by one (under the row lock until commit).</summary>
    public static Task<User> RaiseSessionEpochAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<User>(new CommandDefinition(
            $"UPDATE users SET session_epoch = session_epoch + 1 WHERE id = @id RETURNING {Columns}",
            new { id }, transaction, cancellationToken: cancellationToken));

    public static Task<User> SetDisabledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, bool disabled, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<User>(new CommandDefinition(
            $"UPDATE users SET disabled = @disabled, version = version + 1 WHERE id = @id RETURNING {Columns}",
            new { id, disabled }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Holds the user's row against a concurrent end of their sessions until the transaction ends, and
    /// says whether the user still signs in at <paramref name="sessionEpoch"/>: enabled, epoch unchanged.
    /// </summary>
    public static async Task<bool> HoldSessionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, long sessionEpoch, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT true FROM users WHERE id = @id AND session_epoch = @sessionEpoch AND NOT disabled FOR SHARE",
            new { id, sessionEpoch }, transaction, cancellationToken: cancellationToken)) == true;
}
