using System.Diagnostics;
using Microsoft.AspNetCore.Http;
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
            // The framework's own answers (401 from auth, 400 from a JSON body it could not read,
            // 413 from Kestrel) carry RFC links as type; replace them with our stable types.
            if (problem.Type is null || problem.Type.StartsWith(FrameworkTypePrefix, StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(status);
            }

            if (context.Exception is BadHttpRequestException badRequest)
            {
                problem.Status = badRequest.StatusCode;
                problem.Type = ProblemTypes.ForStatus(badRequest.StatusCode);
                context.HttpContext.Response.StatusCode = badRequest.StatusCode;
                problem.Detail = badRequest.Message;
            }

            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
        });
    }
}
