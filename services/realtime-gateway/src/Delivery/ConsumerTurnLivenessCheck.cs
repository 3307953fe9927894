using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Not live while the event endpoint this instance stopped when it gave up its turn has not stopped for
/// longer than <see cref="ConsumerTurnOptions.StopDeadline"/>, or could not be started again: the instance
/// would take no turn on the event queue until restarted, so <c>/health/live</c> asks for the restart.
/// Redis being away is not a reason: the instance takes its turn again by itself once Redis answers.
/// </summary>
public sealed class ConsumerTurnLivenessCheck(ConsumerTurn turn, IOptions<ConsumerTurnOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (turn.RejoinFailed)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the event endpoint could not be started again after this instance gave up its turn (log 204)"));
        }
        var deadline = options.Value.StopDeadline;
        return Task.FromResult(turn.StopOutstandingSince is { } since && DateTimeOffset.UtcNow - since > deadline
            ? HealthCheckResult.Unhealthy($"stopping the event endpoint has not completed since {since:O} (deadline {deadline}); it takes no turn on the event queue until restarted")
            : HealthCheckResult.Healthy());
    }
}
