using System.Diagnostics.Metrics;

namespace Roomcast.Outbox.Telemetry;

/// <summary>
/// The outbox's instruments, on meter <see cref="MeterName"/>: what the broker confirmed, and the backlog
/// of unpublished events and the age of the oldest, as <see cref="OutboxBacklogProbe"/> last read them.
/// </summary>
public sealed class OutboxMetrics
{
    public const string MeterName = "Roomcast.Outbox";

    private readonly Counter<long> _published;
    private long _backlog;
    private double _oldestAgeSeconds;

    public OutboxMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _published = meter.CreateCounter<long>(
            "roomcast.outbox.published", "{event}", "Outbox events the broker confirmed (publish confirms), by event type");
        meter.CreateObservableGauge(
            "roomcast.outbox.backlog", () => Volatile.Read(ref _backlog), "{event}", "Committed outbox events not yet published");
        meter.CreateObservableGauge(
            "roomcast.outbox.oldest_unpublished_age", () => Volatile.Read(ref _oldestAgeSeconds), "s", "How long the oldest unpublished outbox event has waited; 0 with none waiting");
    }

    public void Published(string eventType) => _published.Add(1, new KeyValuePair<string, object?>("event.type", eventType));

    public void Backlog(long events, double oldestAgeSeconds)
    {
        Volatile.Write(ref _backlog, events);
        Volatile.Write(ref _oldestAgeSeconds, oldestAgeSeconds);
    }
}
