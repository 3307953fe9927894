using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Counters of the event endpoint, on meter <see cref="DeliveryTimings.MeterName"/>.</summary>
public sealed class DeliveryMetrics
{
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _turnsGivenUp;
    private readonly Counter<long> _sent;

    public DeliveryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DeliveryTimings.MeterName);
        _deadLettered = meter.CreateCounter<long>(
            "roomcast.gateway.delivery.dead_lettered", "{message}", "Messages moved to the error queue after their retries (they could not be read or handled)");
        _turnsGivenUp = meter.CreateCounter<long>(
            "roomcast.gateway.delivery.turns_given_up", "{turn}", "Times this instance gave up consuming the event queue because Redis was away from it");
        _sent = meter.CreateCounter<long>(
            "roomcast.gateway.delivery.sent", "{message}", "Client events this instance wrote to its local connections (one per connection), by client event");
    }

    public void DeadLettered(string queue, string exceptionType) => _deadLettered.Add(1,
        new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("exception.type", exceptionType));

    public void TurnGivenUp() => _turnsGivenUp.Add(1);

    public void Sent(string clientEvent, int connections)
    {
        if (connections > 0)
        {
            _sent.Add(connections, new KeyValuePair<string, object?>("event", clientEvent));
        }
    }
}
