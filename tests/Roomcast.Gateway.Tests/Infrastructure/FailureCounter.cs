using System.Diagnostics.Metrics;
using Roomcast.RealtimeGateway.Backplane;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>Counts the backplane's failed cross-instance sends, as a metrics collector would, for one cluster only.</summary>
public sealed class FailureCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _publishFailures;

    public FailureCounter(BackplaneCluster cluster)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BackplaneMetrics.MeterName && instrument.Meter.Scope == cluster.MeterFactory
                && instrument.Name == "roomcast.backplane.publish_failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _publishFailures, value));
        _listener.Start();
    }

    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    public void Dispose() => _listener.Dispose();
}
