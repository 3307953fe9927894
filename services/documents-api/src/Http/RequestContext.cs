using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Client;
using Roomcast.DocumentsApi.Access;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Http;

/// <summary>What every endpoint reads from a request besides its body: the caller and the origin connection.</summary>
public static class RequestContext
{
    private const int MaxOriginConnectionIdLength = 128;

    /// <summary>The caller, or the problem that stops the request (no user in the token, onBehalfOf by a non-admin).</summary>
    public static (Caller? Caller, ProblemHttpResult? Problem) CallerOf(ClaimsPrincipal user, bool? onBehalfOf)
    {
        var caller = Caller.From(user, onBehalfOf == true);
        if (caller is null)
        {
            return (null, Problems.NoUser());
        }

        return caller.OnBehalfOf && !caller.IsAdmin
            ? (null, Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Only admins may act on behalf of others (onBehalfOf=true)."))
            : (caller, null);
    }

    /// <summary>The SignalR connection the request comes from (<c>x-metadata-socketid</c>), or a problem when it is not a plausible id.</summary>
    public static (string? Origin, ProblemHttpResult? Problem) OriginOf(HttpRequest request)
    {
        var origin = request.Headers[ClientMethods.OriginConnectionHeader].ToString();
        if (origin.Length > MaxOriginConnectionIdLength)
        {
            return (null, Problems.Invalid(ClientMethods.OriginConnectionHeader, $"At most {MaxOriginConnectionIdLength} characters."));
        }

        return (origin.Length == 0 ? null : origin, null);
    }
}
