using System.Text.Json;

namespace Roomcast.Contracts.Client;

/// <summary>
/// The answer to <see cref="ClientMethods.Resume"/>: either every event the connection's current rooms
/// missed after the client's last <c>seq</c>, each once and in <c>seq</c> order, or <see cref="Reload"/>
/// with the reason (the gap is beyond the recent-event history, or larger than the server answers).
/// <see cref="HeadSeq"/> is the newest <c>seq</c> the server had assigned when it answered: a client
/// that received nothing newer may resume from it next time.
/// </summary>
public sealed record ResumeResult(bool Reload, string? Reason, long HeadSeq, IReadOnlyList<MissedEvent> Events)
{
    public static ResumeResult MustReload(string reason, long headSeq) => new(true, reason, headSeq, []);
}

/// <summary>One missed event: its client event name (e.g. <c>CHANGED_DOCUMENT</c>) and the payload the client would have received live, <c>eventId</c> and <c>seq</c> included.</summary>
public sealed record MissedEvent(string Name, JsonElement Payload);
