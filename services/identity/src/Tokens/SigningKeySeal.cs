using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Roomcast.Identity.Tokens;

/// <summary>
/// Seals the private signing keys for the database, so a copy of the database alone signs nothing:
/// AES-256-GCM under the key-encryption key of <see cref="IdentityOptions.KeyEncryptionKey"/>, a
/// random nonce per key, and the kid as associated data (a sealed key moved to another row does not open).
/// </summary>
public sealed class SigningKeySeal
{
    public const string Setting = "Identity__KeyEncryptionKey";
    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public SigningKeySeal(IOptions<IdentityOptions> options) => _key = Convert.FromBase64String(options.Value.KeyEncryptionKey);

    public (byte[] Nonce, byte[] Sealed) Seal(string kid, ReadOnlySpan<byte> privateKey)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var sealedKey = new byte[privateKey.Length + TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, privateKey, sealedKey.AsSpan(0, privateKey.Length), sealedKey.AsSpan(privateKey.Length), Encoding.UTF8.GetBytes(kid));
        return (nonce, sealedKey);
    }

    /// <summary>The PKCS#8 private key; the caller clears it once imported.</summary>
    public byte[] Open(string kid, byte[] nonce, byte[] sealedKey)
    {
        var privateKey = new byte[sealedKey.Length - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(nonce, sealedKey.AsSpan(0, privateKey.Length), sealedKey.AsSpan(privateKey.Length), privateKey, Encoding.UTF8.GetBytes(kid));
            return privateKey;
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new InvalidOperationException(
                $"{Setting} does not open signing key {kid}: it is not the key-encryption key the signing keys were sealed with " +
                $"(or the row was altered). Start identity with the {Setting} it ran with before.", exception);
        }
    }

    internal sealed class Validation : IValidateOptions<IdentityOptions>
    {
        public ValidateOptionsResult Validate(string? name, IdentityOptions options)
        {
            var key = new byte[KeyBytes + 1];
            return Convert.TryFromBase64String(options.KeyEncryptionKey ?? "", key, out var length) && length == KeyBytes
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{Setting} is required: base64 of {KeyBytes} random bytes (e.g. `openssl rand -base64 32`), the key that seals the signing keys in the database.");
        }
    }
}

public static class SigningKeySealSetup
{
    public static void AddSigningKeySeal(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<IdentityOptions>, SigningKeySeal.Validation>();
        services.AddSingleton<SigningKeySeal>();
    }
}
