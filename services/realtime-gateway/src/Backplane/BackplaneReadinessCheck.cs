using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// Readiness of an instance on the backplane: not ready until Redis has confirmed its subscription
/// to the audience channel, so a load balancer never sends clients to an instance that would miss
/// the events the others publish. It latches: a later Redis outage keeps the instance ready, since
/// local delivery goes on and the subscription is restored on its own when Redis is back.
/// </summary>
internal sealed class BackplaneReadinessCheck(BackplaneRedis redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.AudienceSubscribed.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy("subscribed to the audience channel")
            : HealthCheckResult.Unhealthy($"not yet subscribed to {redis.Channels.Audience} on Redis {redis.Options.EndpointForLogs}"));
}
