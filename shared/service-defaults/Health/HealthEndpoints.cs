using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;

namespace Roomcast.ServiceDefaults.Health;

/// <summary>The probes every service answers; the deployment files name these paths.</summary>
public static class HealthEndpoints
{
    /// <summary>Fails only when restarting the process is the cure (checks tagged <see cref="HealthTags.Live"/>).</summary>
    public const string LivePath = "/health/live";

    /// <summary>Answers once the instance may take traffic (checks tagged <see cref="HealthTags.Ready"/>).</summary>
    public const string ReadyPath = "/health/ready";

    internal static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Live) });
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthTags.Ready) });
    }
}
