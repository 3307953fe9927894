namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// What the history knows of one event id, for admins tracing an event: the <see cref="Seq"/> it was
/// given (null when neither the dedupe record nor the kept entries remember it), whether its delivery
/// completed (<see cref="Delivered"/>: announced to every instance and sent to the local connections; null
/// once only the entry remembers it), and its <see cref="Entry"/> while the history still keeps it.
/// <see cref="Floor"/>, <see cref="Head"/> and <see cref="Epoch"/> are the history's bounds at that moment.
/// </summary>
public sealed record HistoryTrace(long? Seq, bool? Delivered, HistoryEntry? Entry, DateTimeOffset? AppendedAt, long Floor, long Head, string Epoch);
