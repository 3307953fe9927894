using System.Security.Claims;

namespace Roomcast.ServiceDefaults.Auth;

/// <summary>The claims identity puts in an access token, and how services read them.</summary>
public static class RoomcastClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string AdminRole = "admin";

    /// <summary>The user's session epoch when the token was issued; a token below the user's current epoch is no longer honoured (absent reads as 0).</summary>
    public const string SessionEpoch = "session_epoch";

    /// <summary>The claims a validated principal keeps; the token's others are checked at validation and dropped.</summary>
    public static readonly IReadOnlySet<string> Kept = new HashSet<string>([Subject, Name, Role, SessionEpoch], StringComparer.Ordinal);

    /// <summary>The signed-in user's id, or null when the token has no valid <c>sub</c>.</summary>
    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(Subject)?.Value, out var id) ? id : null;

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(AdminRole);

    /// <summary>The token's session epoch: 0 when absent or malformed.</summary>
    public static long SessionEpochOf(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst(SessionEpoch)?.Value, out var epoch) && epoch >= 0 ? epoch : 0;
}
