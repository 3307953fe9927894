namespace Roomcast.RealtimeGateway.History;

/// <summary>The Redis keys of the history, under the backplane's prefix so deployments sharing one Redis stay apart.</summary>
public sealed class HistoryKeys(string prefix)
{
    /// <summary>The newest seq given (a counter).</summary>
    public string Head { get; } = $"{prefix}:history:head";

    /// <summary>The numbering the seqs belong to, set whenever the history starts numbering anew.</summary>
    public string Epoch { get; } = $"{prefix}:history:epoch";

    /// <summary>The highest seq that may have been trimmed.</summary>
    public string Floor { get; } = $"{prefix}:history:floor";

    /// <summary>A sorted set: score = seq, member = <c>{appended at, unix ms}|{entry JSON}</c>.</summary>
    public string Log { get; } = $"{prefix}:history:log";

    /// <summary>The bytes the entries of <see cref="Log"/> hold together (their JSON), for the byte bound.</summary>
    public string Bytes { get; } = $"{prefix}:history:bytes";

    /// <summary>
    /// A hash per user: room → the seq from which the user holds it (the head when the gain was recorded),
    /// expiring <see cref="EventHistoryOptions.GainRetention"/> after its last write.
    /// </summary>
    public string Gains(Guid userId) => $"{prefix}:history:gains:{userId:N}";

    /// <summary><c>{seq}:pending</c> or <c>{seq}:delivered</c> for an event id, expiring after the dedupe window.</summary>
    public string Seen(Guid eventId) => $"{prefix}:history:seen:{eventId:N}";
}
