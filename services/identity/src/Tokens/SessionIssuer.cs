using Microsoft.Extensions.Options;
using Roomcast.Identity.Events;
using Roomcast.Identity.Users;

namespace Roomcast.Identity.Tokens;

/// <summary>The tokens a login or a refresh hands out: a short-lived access JWT and a refresh token.</summary>
public sealed class SessionIssuer(AccessTokenIssuer accessTokens, RefreshTokenStore refreshTokens, IOptions<IdentityOptions> options)
{
    /// <summary>A new login of <paramref name="user"/>; null when their sessions ended or the account was disabled since it was read.</summary>
    public async Task<TokenResponse?> StartAsync(User user, CancellationToken cancellationToken)
    {
        var refresh = await refreshTokens.IssueAsync(user, options.Value.RefreshTokenLifetime, cancellationToken);
        return refresh is null ? null : await ContinueAsync(user, refresh, cancellationToken);
    }

    /// <summary>A new login of <paramref name="user"/> (as <paramref name="change"/> leaves it), committed with the change.</summary>
    public async Task<TokenResponse> StartWithinAsync(IdentityChange change, User user, CancellationToken cancellationToken)
    {
        var refresh = await refreshTokens.IssueWithinAsync(change.Connection, change.Transaction, user.Id, options.Value.RefreshTokenLifetime, cancellationToken);
        return await ContinueAsync(user, refresh, cancellationToken);
    }

    public async Task<TokenResponse> ContinueAsync(User user, string refreshToken, CancellationToken cancellationToken)
    {
        var access = await accessTokens.IssueAsync(user, cancellationToken);
        return new TokenResponse(access.Value, refreshToken, (int)access.Lifetime.TotalSeconds);
    }
}
