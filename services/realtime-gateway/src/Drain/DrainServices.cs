using Microsoft.Extensions.Diagnostics.HealthChecks;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Health;

namespace Roomcast.RealtimeGateway.Drain;

internal static class DrainServices
{
    /// <summary>Rolling restarts: SIGTERM drains the instance before the host stops (<see cref="GatewayDrain"/>).</summary>
    public static void AddDrain(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<DrainOptions>(DrainOptions.Section);
        builder.Services.AddSingleton<GatewayDrain>();
        builder.Services.AddSingleton<IHostLifetime, DrainingLifetime>();
        builder.Services.AddHealthChecks().AddCheck<DrainReadinessCheck>("drain", tags: [HealthTags.Ready]);
    }
}

/// <summary>Not ready from the moment the instance starts draining: the load balancer takes it out.</summary>
internal sealed class DrainReadinessCheck(GatewayDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy());
}
