namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// A frame for the other gateway instances that <see cref="IEventHistory.MarkDeliveredAsync"/> publishes
/// in the same step as it marks the event delivered: one round trip instead of two, and an event is
/// never marked delivered without the frame having gone out.
/// </summary>
public sealed record HistoryAnnouncement(string Channel, ReadOnlyMemory<byte> Frame);
