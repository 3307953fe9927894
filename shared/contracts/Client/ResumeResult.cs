using System.Text.Json;

namespace Roomcast.Contracts.Client;

/// <summary>
/// The answer to <see cref="ClientMethods.Resume"/>: either every event the connection's current rooms
/// missed after the client's position (<c>epoch</c> + last <c>seq</c>), each once and in <c>seq</c>
/// order, or <see cref="Reload"/> with the reason (the gap is beyond the recent-event history, larger
/// than the server answers, or the history was replaced: another <see cref="Epoch"/>).
/// <see cref="HeadSeq"/> is the newest <c>seq</c> the server had assigned when it answered and
/// <see cref="Epoch"/> the numbering it belongs to: a client that received nothing newer may resume
/// from that position next time. With <see cref="More"/>, one call read as far as it may: the events
/// are those up to <see cref="HeadSeq"/>, and the client calls again from there for the rest.
/// </summary>
public sealed record ResumeResult(bool Reload, string? Reason, long HeadSeq, string Epoch, IReadOnlyList<MissedEvent> Events, bool More = false)
{
    public static ResumeResult MustReload(string reason, long headSeq, string epoch) => new(true, reason, headSeq, epoch, []);
}

/// <summary>One missed event: its client event name (e.g. <c>CHANGED_DOCUMENT</c>) and the payload the client would have received live, <c>eventId</c>, <c>seq</c> and <c>epoch</c> included.</summary>
public sealed record MissedEvent(string Name, JsonElement Payload);
