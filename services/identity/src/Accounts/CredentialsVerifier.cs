using Microsoft.AspNetCore.Identity;

namespace Roomcast.Identity.Accounts;

/// <summary>Checks a username and password. Unknown users cost the same hash work as known ones, so timing tells nothing.</summary>
public sealed class CredentialsVerifier(UserStore users, IPasswordHasher<User> hasher)
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

        return hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed ? null : user;
    }
}
