using Microsoft.AspNetCore.Authentication;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>
/// When a connection's access token expires: the <c>ExpiresUtc</c> the JWT handler gave the
/// authentication result when the connection was made (the token's <c>exp</c>; the principal keeps no
/// <c>exp</c> claim). SignalR's own <c>CloseOnAuthenticationExpiration</c> reads the same value, but its
/// close carries no reason, so a client could not tell an expired token from any other close.
/// </summary>
internal static class TokenExpiry
{
    /// <summary>The expiry of the token <paramref name="http"/> (a connection's request) was authenticated with; never when none is known.</summary>
    public static DateTimeOffset Of(HttpContext? http) =>
        http?.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc
        ?? DateTimeOffset.MaxValue;
}
