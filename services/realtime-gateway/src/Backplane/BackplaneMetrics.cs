using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>Counters of the backplane, on meter <see cref="MeterName"/>.</summary>
public sealed class BackplaneMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.Backplane";

    private readonly Counter<long> _publishFailures;
    private readonly Counter<long> _gaps;
    private readonly Histogram<double> _gapDuration;

    public BackplaneMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _publishFailures = meter.CreateCounter<long>(
            "roomcast.backplane.publish_failures", "{send}", "Cross-instance sends that failed because Redis could not be reached");
        _gaps = meter.CreateCounter<long>(
            "roomcast.backplane.gaps", "{gap}", "Times the subscription to Redis came back after it was lost: what was published meanwhile never reached this instance");
        _gapDuration = meter.CreateHistogram<double>(
            "roomcast.backplane.gap.duration", "s", "How long the subscription to Redis was away, per gap");
    }

    public void PublishFailed(string operation) => _publishFailures.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Gap(TimeSpan away)
    {
        _gaps.Add(1);
        _gapDuration.Record(away.TotalSeconds);
    }
}
