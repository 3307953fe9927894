using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// Keeps the signing keys in identity's database so every instance signs with the same key and a
/// restart invalidates nothing. Rotation: a new key is published (in the JWKS) for
/// <see cref="IdentityOptions.SigningKeyPrepublication"/> before it signs; the key it replaces keeps
/// validating until the last token it signed has expired, then leaves the JWKS. Private keys are stored
/// sealed (<see cref="SigningKeySeal"/>); a plain one left by an earlier version is sealed at the next refresh.
/// </summary>
public sealed partial class SigningKeyStore(NpgsqlDataSource dataSource, SigningKeySeal seal, IOptions<IdentityOptions> options, TimeProvider clock, ILogger<SigningKeyStore> logger)
{
    private const string SelectKeys =
        """
        SELECT kid AS Kid, private_key_pem AS PrivateKeyPem, private_key_nonce AS PrivateKeyNonce, private_key_sealed AS PrivateKeySealed,
               activates_at AS ActivatesAt, retired_at AS RetiredAt
        FROM signing_keys ORDER BY activates_at DESC
        """;

    private const string LockKey = "roomcast.identity.signing-keys";
    private const int KeySizeBits = 2048;
    private volatile IReadOnlyList<SigningKey>? _keys;

    /// <summary>The key new tokens are signed with: the newest active one.</summary>
    public SigningKey Current
    {
        get
        {
            var now = clock.GetUtcNow();
            return Keys.FirstOrDefault(key => key.ActivatesAt <= now && key.RetiredAt is null)
                ?? Keys.Where(key => key.ActivatesAt <= now).MaxBy(key => key.ActivatesAt)
                ?? throw new InvalidOperationException("No signing key is active yet.");
        }
    }

    /// <summary>Every published key, newest first: pending, signing, and retired ones whose tokens may be valid.</summary>
    public IReadOnlyList<SigningKey> Keys => _keys ?? throw new InvalidOperationException("Signing keys are not loaded yet.");

    /// <summary>Rotates when due (or when <paramref name="force"/>), retires replaced keys, drops expired ones, and reloads.</summary>
    public async Task RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext(@LockKey))", new { LockKey }, transaction, cancellationToken: cancellationToken));

        var rows = (await connection.QueryAsync<StoredKey>(new CommandDefinition(SelectKeys, transaction: transaction, cancellationToken: cancellationToken))).ToList();
        foreach (var plain in rows.Where(row => row.PrivateKeyPem is not null))
        {
            await SealPlainKeyAsync(connection, transaction, plain, cancellationToken);
        }

        var newestActivation = rows.Count == 0 ? (DateTimeOffset?)null : Utc(rows[0].ActivatesAt);
        var pendingExists = newestActivation > now;
        var signingSince = rows.Where(row => Utc(row.ActivatesAt) <= now).Select(row => (DateTimeOffset?)Utc(row.ActivatesAt)).FirstOrDefault();
        if (rows.Count == 0)
        {
            await InsertKeyAsync(connection, transaction, activatesAt: now, cancellationToken);
        }
        else if (!pendingExists && (force || signingSince is null || now - signingSince >= settings.SigningKeyLifetime - settings.SigningKeyPrepublication))
        {
            await InsertKeyAsync(connection, transaction, activatesAt: now + settings.SigningKeyPrepublication, cancellationToken);
        }

        // A key stops signing when a newer one activates; it is dropped once its last token has expired.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE signing_keys k SET retired_at = newer.activates_at
            FROM (SELECT max(activates_at) AS activates_at FROM signing_keys WHERE activates_at <= @now) newer
            WHERE k.retired_at IS NULL AND k.activates_at < newer.activates_at;
            DELETE FROM signing_keys WHERE retired_at < @now - @tokenLifetime;
            """, new { now, tokenLifetime = settings.AccessTokenLifetime }, transaction, cancellationToken: cancellationToken));

        var current = await connection.QueryAsync<StoredKey>(new CommandDefinition(SelectKeys, transaction: transaction, cancellationToken: cancellationToken));
        // Opened before the commit: with a wrong key-encryption key nothing sealed with it (a rotation's new key) is kept.
        var keys = current.Select(ToSigningKey).ToList();
        await transaction.CommitAsync(cancellationToken);
        _keys = keys;
    }

    private async Task InsertKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset activatesAt, CancellationToken cancellationToken)
    {
        using var rsa = RSA.Create(KeySizeBits);
        var kid = Guid.NewGuid().ToString("N");
        var privateKey = rsa.ExportPkcs8PrivateKey();
        var (nonce, sealedKey) = seal.Seal(kid, privateKey);
        CryptographicOperations.ZeroMemory(privateKey);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO signing_keys (kid, private_key_nonce, private_key_sealed, activates_at) VALUES (@kid, @nonce, @sealedKey, @activatesAt)",
            new { kid, nonce, sealedKey, activatesAt }, transaction, cancellationToken: cancellationToken));
        LogKeyCreated(kid, activatesAt);
    }

    private async Task SealPlainKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StoredKey plain, CancellationToken cancellationToken)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(plain.PrivateKeyPem);
        var privateKey = rsa.ExportPkcs8PrivateKey();
        var (nonce, sealedKey) = seal.Seal(plain.Kid, privateKey);
        CryptographicOperations.ZeroMemory(privateKey);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE signing_keys SET private_key_pem = NULL, private_key_nonce = @nonce, private_key_sealed = @sealedKey WHERE kid = @kid",
            new { plain.Kid, nonce, sealedKey }, transaction, cancellationToken: cancellationToken));
        LogKeySealed(plain.Kid);
    }

    private SigningKey ToSigningKey(StoredKey stored)
    {
        var privateKey = seal.Open(stored.Kid, stored.PrivateKeyNonce!, stored.PrivateKeySealed!);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(privateKey, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        return new SigningKey(stored.Kid, rsa, Utc(stored.ActivatesAt), stored.RetiredAt is { } retired ? Utc(retired) : null);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    // Npgsql reads timestamptz as a UTC DateTime.
    private sealed record StoredKey(string Kid, string? PrivateKeyPem, byte[]? PrivateKeyNonce, byte[]? PrivateKeySealed, DateTime ActivatesAt, DateTime? RetiredAt);

    [LoggerMessage(EventId = IdentityLogEvents.SigningKeyCreated, Level = LogLevel.Information, Message = "Created signing key {Kid}, signing from {ActivatesAt:o}")]
    private partial void LogKeyCreated(string kid, DateTimeOffset activatesAt);

    [LoggerMessage(EventId = IdentityLogEvents.SigningKeySealed, Level = LogLevel.Information, Message = "Sealed signing key {Kid}, stored in plain PEM by an earlier version")]
    private partial void LogKeySealed(string kid);
}
