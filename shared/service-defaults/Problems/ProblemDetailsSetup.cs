using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Roomcast.ServiceDefaults.Problems;

internal static class ProblemDetailsSetup
{
    private const string FrameworkTypePrefix = "https://tools.ietf.org/";

    public static void AddRoomcastProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            // The framework's own answers (401 from auth, 404 for an unknown route) carry RFC links
            // as type; replace them with our stable types.
            if (problem.Type is null || problem.Type.StartsWith(FrameworkTypePrefix, StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(status);
            }

            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures throw, so BadRequestExceptionHandler answers them with problem details.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
    }
}
