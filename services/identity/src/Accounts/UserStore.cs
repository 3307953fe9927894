using Dapper;
using Npgsql;

namespace Roomcast.Identity.Accounts;

/// <summary>The users table: every SQL statement about accounts lives here.</summary>
public sealed class UserStore(NpgsqlDataSource dataSource)
{
    public async Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            """
            SELECT id AS Id, username AS Username, password_hash AS PasswordHash, is_admin AS IsAdmin
            FROM users WHERE normalized_username = @normalized
            """,
            new { normalized = Normalize(username) },
            cancellationToken: cancellationToken));
    }

    /// <summary>Creates the user unless one with that id or name exists; returns whether it was created.</summary>
    public async Task<bool> InsertIfAbsentAsync(User user, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, username, normalized_username, password_hash, is_admin)
            VALUES (@Id, @Username, @normalized, @PasswordHash, @IsAdmin)
            ON CONFLICT DO NOTHING
            """,
            new { user.Id, user.Username, normalized = Normalize(user.Username), user.PasswordHash, user.IsAdmin },
            cancellationToken: cancellationToken));
        return inserted == 1;
    }

    private static string Normalize(string username) => username.Trim().ToLowerInvariant();
}
