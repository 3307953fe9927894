using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// Keeps the signing keys in identity's database so every instance signs with the same key and a
/// restart does not invalidate issued tokens. The first instance to start creates the key.
/// </summary>
public sealed partial class SigningKeyStore(NpgsqlDataSource dataSource, ILogger<SigningKeyStore> logger)
{
    private const string LockKey = "roomcast.identity.signing-keys";
    private const int KeySizeBits = 2048;
    private IReadOnlyList<SigningKey>? _keys;

    /// <summary>The key new tokens are signed with.</summary>
    public SigningKey Current => Keys[0];

    /// <summary>Every key whose tokens may still be valid, newest first.</summary>
    public IReadOnlyList<SigningKey> Keys => _keys ?? throw new InvalidOperationException("Signing keys are not loaded yet.");

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext(@LockKey))", new { LockKey }, transaction, cancellationToken: cancellationToken));
        var rows = (await connection.QueryAsync<StoredKey>(new CommandDefinition(
            """
            SELECT kid AS Kid, private_key_pem AS PrivateKeyPem, created_at AS CreatedAt
            FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC
            """, transaction: transaction, cancellationToken: cancellationToken))).ToList();

        if (rows.Count == 0)
        {
            using var rsa = RSA.Create(KeySizeBits);
            var created = new StoredKey(Guid.NewGuid().ToString("N"), rsa.ExportPkcs8PrivateKeyPem(), DateTime.UtcNow);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO signing_keys (kid, private_key_pem, created_at) VALUES (@Kid, @PrivateKeyPem, @CreatedAt)",
                created, transaction, cancellationToken: cancellationToken));
            rows.Add(created);
            LogKeyCreated(created.Kid);
        }

        await transaction.CommitAsync(cancellationToken);
        _keys = rows.Select(ToSigningKey).ToList();
    }

    private static SigningKey ToSigningKey(StoredKey stored)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(stored.PrivateKeyPem);
        return new SigningKey(stored.Kid, rsa, new DateTimeOffset(stored.CreatedAt, TimeSpan.Zero));
    }

    // Npgsql reads timestamptz as a UTC DateTime.
    private sealed record StoredKey(string Kid, string PrivateKeyPem, DateTime CreatedAt);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Created signing key {Kid}")]
    private partial void LogKeyCreated(string kid);
}
