using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;

namespace Roomcast.ServiceDefaults.Health;

/// <summary>The probes every service answers; the deployment files name these paths.</summary>
public static class HealthEndpoints
{
    /// <summary>Answers while the process runs; restarting it is the cure for a failure.</summary>
    public const string LivePath = "/health/live";

    /// <summary>Answers once the instance may take traffic.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>Tag for checks that must pass before an instance takes traffic.</summary>
    public const string ReadyTag = "ready";

    internal static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no dependency check: a database outage must not make the orchestrator restart us.
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
    }
}
