using System.Security.Claims;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.DocumentsApi.Access;

/// <summary>
/// Who is asking. Admins read everything; they write where they hold no grant only when they say
/// they act on behalf of others (<c>?onBehalfOf=true</c>), so an admin's everyday edits follow the
/// same rules as everyone's. Whether the caller is an admin is identity's latest word as the projection
/// holds it, not the token's (<c>ProjectedSessionCheck</c> in Projection sets the principal's role).
/// </summary>
public sealed record Caller(Guid UserId, bool IsAdmin, bool OnBehalfOf = false)
{
    public static Caller? From(ClaimsPrincipal user, bool onBehalfOf) =>
        user.UserId() is { } id ? new Caller(id, user.IsAdmin(), onBehalfOf) : null;

    /// <summary>The caller's access to a record of a root with <paramref name="access"/> written by <paramref name="authorId"/>.</summary>
    public AccessLevel AccessTo(RootAccess access, Guid? authorId = null)
    {
        var level = access.For(UserId, authorId);
        if (IsAdmin)
        {
            level = AccessLevels.Max(level, OnBehalfOf ? AccessLevel.RW : AccessLevel.RO);
        }

        return level;
    }
}
