namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// Where <see cref="IEventHistory.AppendAsync"/> announces an event to the other gateway instances, in
/// the same step as it gives the event its seq: on <see cref="Channel"/>, as <see cref="Head"/> followed
/// by the entry with its seq (<see cref="HistoryEntry.FromAnnounced"/>). One round trip from the
/// consumer to every instance, and the announcements go out in the order of the seqs.
/// </summary>
public sealed record HistoryAnnouncement(string Channel, ReadOnlyMemory<byte> Head);
