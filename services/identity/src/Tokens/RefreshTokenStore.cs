using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;
using Roomcast.Identity.Users;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// Refresh tokens: random, stored only as SHA-256 hashes, single use. Using one yields a new one in
/// the same family; presenting a token that was already used (a stolen copy) revokes the family.
/// </summary>
public sealed partial class RefreshTokenStore(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<RefreshTokenStore> logger)
{
    public abstract record Rotation
    {
        /// <summary>The token was rotated; <paramref name="User"/> is the account as it stood in the same transaction.</summary>
        public sealed record Rotated(User User, string RefreshToken) : Rotation;

        public sealed record Refused(string Reason) : Rotation;
    }

    /// <summary>
    /// Starts a login's family for <paramref name="user"/>, or returns null when the user's sessions
    /// ended (or the account was disabled) since <paramref name="user"/> was read: a login racing a
    /// logout everywhere either sees it or has its token revoked by it.
    /// </summary>
    public async Task<string?> IssueAsync(User user, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await UserStore.HoldSessionAsync(connection, transaction, user.Id, user.SessionEpoch, cancellationToken))
        {
            return null;
        }

        var token = await IssueWithinAsync(connection, transaction, user.Id, lifetime, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return token;
    }

    /// <summary>Starts a login's family inside the caller's transaction (a password change hands its caller a fresh session).</summary>
    public Task<string> IssueWithinAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, TimeSpan lifetime, CancellationToken cancellationToken) =>
        InsertAsync(connection, transaction, userId, Guid.NewGuid(), clock.GetUtcNow(), lifetime, cancellationToken);

    /// <summary>
    /// Uses up <paramref name="token"/> and hands out the next of its family, unless the token is
    /// unknown, used, revoked or expired, its family is older than <paramref name="familyLifetime"/>, or
    /// the account is disabled. The user's row is read under lock in the same transaction, so the
    /// access token issued with the answer carries the epoch that was current when the token rotated.
    /// </summary>
    public async Task<Rotation> RotateAsync(string token, TimeSpan lifetime, TimeSpan familyLifetime, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The user's row is locked before the token's, in the order an end of sessions locks them, so
        // a refresh racing a logout everywhere waits for it instead of deadlocking with it.
        var owner = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT user_id FROM refresh_tokens WHERE token_hash = @hash", new { hash = Hash(token) }, transaction, cancellationToken: cancellationToken));
        var user = owner is { } ownerId ? await UserStore.FindAsync(connection, transaction, ownerId, cancellationToken) : null;
        var stored = await connection.QuerySingleOrDefaultAsync<StoredToken>(new CommandDefinition(
            """
            SELECT id AS Id, family_id AS FamilyId, user_id AS UserId, expires_at AS ExpiresAt, used_at AS UsedAt, revoked_at AS RevokedAt,
                   family_started_at AS FamilyStartedAt
            FROM refresh_tokens WHERE token_hash = @hash FOR UPDATE
            """, new { hash = Hash(token) }, transaction, cancellationToken: cancellationToken));
        if (stored is null || user is null)
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

        var now = clock.GetUtcNow().UtcDateTime;
        if (stored.ExpiresAt <= now)
        {
            return new Rotation.Refused("refresh token expired");
        }

        // However often it is rotated, a login ends a fixed time after it began: sign in again.
        if (stored.FamilyStartedAt + familyLifetime <= now)
        {
            return new Rotation.Refused("this login has reached its end; sign in again");
        }

        if (user.Disabled)
        {
            return new Rotation.Refused("refresh token revoked");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET used_at = now() WHERE id = @Id", stored, transaction, cancellationToken: cancellationToken));
        var next = await InsertAsync(connection, transaction, stored.UserId, stored.FamilyId, stored.FamilyStartedAt, lifetime, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Rotation.Rotated(user, next);
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

    /// <summary>Revokes every refresh token of a user (their sessions ended).</summary>
    public static Task RevokeAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = @userId AND revoked_at IS NULL",
            new { userId }, transaction, cancellationToken: cancellationToken));

    private static Task RevokeFamilyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid familyId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = @familyId AND revoked_at IS NULL",
            new { familyId }, transaction, cancellationToken: cancellationToken));

    private async Task<string> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, Guid familyId, DateTimeOffset familyStartedAt, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at, family_started_at)
            VALUES (@id, @familyId, @userId, @hash, @expiresAt, @familyStartedAt)
            """,
            new { id = Guid.NewGuid(), familyId, userId, hash = Hash(token), expiresAt = clock.GetUtcNow() + lifetime, familyStartedAt },
            transaction, cancellationToken: cancellationToken));
        return token;
    }

    private static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    private sealed record StoredToken(Guid Id, Guid FamilyId, Guid UserId, DateTime ExpiresAt, DateTime? UsedAt, DateTime? RevokedAt, DateTime FamilyStartedAt);

    [LoggerMessage(EventId = IdentityLogEvents.RefreshTokenReused, Level = LogLevel.Warning, Message = "Refresh token reuse for user {UserId}: revoked token family {FamilyId}")]
    private partial void LogReuse(Guid userId, Guid familyId);
}
