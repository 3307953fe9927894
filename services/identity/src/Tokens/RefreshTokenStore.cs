using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// Refresh tokens: random, stored only as SHA-256 hashes, single use. Using one yields a new one in
/// the same family; presenting a token that was already used (a stolen copy) revokes the family.
/// </summary>
public sealed partial class RefreshTokenStore(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<RefreshTokenStore> logger)
{
    public abstract record Rotation
    {
        public sealed record Rotated(Guid UserId, string RefreshToken) : Rotation;

        public sealed record Refused(string Reason) : Rotation;
    }

    public async Task<string> IssueAsync(Guid userId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await InsertAsync(connection, null, userId, Guid.NewGuid(), lifetime, cancellationToken);
    }

    public async Task<Rotation> RotateAsync(string token, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await connection.QuerySingleOrDefaultAsync<StoredToken>(new CommandDefinition(
            """
            SELECT id AS Id, family_id AS FamilyId, user_id AS UserId, expires_at AS ExpiresAt, used_at AS UsedAt, revoked_at AS RevokedAt
            FROM refresh_tokens WHERE token_hash = @hash FOR UPDATE
            """, new { hash = Hash(token) }, transaction, cancellationToken: cancellationToken));
        if (stored is null)
        {
            return new Rotation.Refused("unknown refresh token");
        }

        if (stored.UsedAt is not null || stored.RevokedAt is not null)
        {
            // A used token presented again means two holders: end the whole login.
            await RevokeFamilyAsync(connection, transaction, stored.FamilyId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogReuse(stored.UserId, stored.FamilyId);
            return new Rotation.Refused("refresh token already used; this login is revoked");
        }

        if (stored.ExpiresAt <= clock.GetUtcNow().UtcDateTime)
        {
            return new Rotation.Refused("refresh token expired");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET used_at = now() WHERE id = @Id", stored, transaction, cancellationToken: cancellationToken));
        var next = await InsertAsync(connection, transaction, stored.UserId, stored.FamilyId, lifetime, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Rotation.Rotated(stored.UserId, next);
    }

    /// <summary>Logout: revokes the family of the token, if it is one of ours.</summary>
    public async Task RevokeAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @hash)
            """, new { hash = Hash(token) }, cancellationToken: cancellationToken));
    }

    /// <summary>Revokes every refresh token of a user (after a password change).</summary>
    public static Task RevokeAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = @userId AND revoked_at IS NULL",
            new { userId }, transaction, cancellationToken: cancellationToken));

    private static Task RevokeFamilyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid familyId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = @familyId AND revoked_at IS NULL",
            new { familyId }, transaction, cancellationToken: cancellationToken));

    private async Task<string> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, Guid familyId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
            VALUES (@id, @familyId, @userId, @hash, @expiresAt)
            """,
            new { id = Guid.NewGuid(), familyId, userId, hash = Hash(token), expiresAt = clock.GetUtcNow() + lifetime },
            transaction, cancellationToken: cancellationToken));
        return token;
    }

    private static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    private sealed record StoredToken(Guid Id, Guid FamilyId, Guid UserId, DateTime ExpiresAt, DateTime? UsedAt, DateTime? RevokedAt);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Refresh token reuse for user {UserId}: revoked token family {FamilyId}")]
    private partial void LogReuse(Guid userId, Guid familyId);
}
