using System.Diagnostics.Metrics;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>Counters of this instance's connections, on meter <see cref="MeterName"/>.</summary>
public sealed class ConnectionMetrics
{
    public const string MeterName = "Roomcast.RealtimeGateway.Connections";

    private readonly Counter<long> _slowClosed;
    private readonly Counter<long> _writeFailures;

    public ConnectionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _slowClosed = meter.CreateCounter<long>(
            "roomcast.connections.slow_closed", "{connection}", "Connections closed because they fell too far behind the events addressed to them");
        _writeFailures = meter.CreateCounter<long>(
            "roomcast.connections.write_failures", "{write}", "Writes to a local connection that failed");
    }

    public void SlowConnectionClosed() => _slowClosed.Add(1);

    public void WriteFailed() => _writeFailures.Add(1);
}
