using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;

namespace Roomcast.ServiceDefaults.Health;

internal static class HealthEndpoints
{
    /// <summary>Tag for checks that must pass before an instance takes traffic.</summary>
    public const string ReadyTag = "ready";

    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no dependency check: a database outage must not make the orchestrator restart us.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
    }
}
