using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.ServiceDefaults.Auth;

/// <summary>Admin-only endpoints: 401 problem details without a valid token, 403 with a non-admin's.</summary>
public static class AdminOnly
{
    /// <summary>Only admins may call these endpoints; <paramref name="what"/> completes "Only admins may …" in the 403's detail.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder, string what)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization();
        builder.AddEndpointFilter(async (context, next) => context.HttpContext.User.IsAdmin()
            ? await next(context)
            : Http.Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, $"Only admins may {what}."));
        return builder;
    }
}
