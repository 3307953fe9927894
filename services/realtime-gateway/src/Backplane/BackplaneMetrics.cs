using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>Counters of the backplane, on meter <see cref="MeterName"/>.</summary>
public sealed class BackplaneMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.Backplane";

    private readonly Counter<long> _publishFailures;

    public BackplaneMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _publishFailures = meter.CreateCounter<long>(
            "roomcast.backplane.publish_failures", "{send}", "Cross-instance sends that failed because Redis could not be reached");
    }

    public void PublishFailed(string operation) => _publishFailures.Add(1, new KeyValuePair<string, object?>("operation", operation));
}
