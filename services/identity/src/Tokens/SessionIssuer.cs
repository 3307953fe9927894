using Microsoft.Extensions.Options;
using Roomcast.Identity.Accounts;

namespace Roomcast.Identity.Tokens;

/// <summary>The tokens a login or a refresh hands out: a short-lived access JWT and a refresh token.</summary>
public sealed class SessionIssuer(AccessTokenIssuer accessTokens, RefreshTokenStore refreshTokens, IOptions<IdentityOptions> options)
{
    public async Task<TokenResponse> StartAsync(User user, CancellationToken cancellationToken)
    {
        var refresh = await refreshTokens.IssueAsync(user.Id, options.Value.RefreshTokenLifetime, cancellationToken);
        return await ContinueAsync(user, refresh, cancellationToken);
    }

    public async Task<TokenResponse> ContinueAsync(User user, string refreshToken, CancellationToken cancellationToken)
    {
        var access = await accessTokens.IssueAsync(user, cancellationToken);
        return new TokenResponse(access.Value, refreshToken, (int)access.Lifetime.TotalSeconds);
    }
}
