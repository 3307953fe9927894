using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// One event as the history keeps it: the position (<see cref="Seq"/> in <see cref="Epoch"/>) it was
/// given, its audience (the rooms it was sent to) and the client message without its position, which
/// is stamped back on when it is read (the position is only known once the event is appended, in the
/// same step).
/// </summary>
public sealed record HistoryEntry(long Seq, Guid EventId, string Event, IReadOnlyList<string> Audience, JsonObject Payload)
{
    /// <summary>The numbering <see cref="Seq"/> belongs to (see <see cref="HistoryAppend.Epoch"/>).</summary>
    public string Epoch { get; init; } = "";

    /// <summary>The serialisation SignalR's JSON protocol uses, so a resumed payload reads like a live one.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The client message as JSON, without <c>seq</c> and <c>epoch</c>.</summary>
    public static JsonObject PayloadOf(object message)
    {
        var payload = JsonSerializer.SerializeToNode(message, message.GetType(), Json) as JsonObject
            ?? throw new ArgumentException($"A client message must serialise to a JSON object, not {message.GetType().Name}.", nameof(message));
        payload.Remove("seq");
        payload.Remove("epoch");
        return payload;
    }

    /// <summary>The payload the client would have received live: the stored one with its position.</summary>
    public JsonElement ClientPayload()
    {
        var payload = (JsonObject)Payload.DeepClone();
        payload["seq"] = Seq;
        payload["epoch"] = Epoch;
        return JsonSerializer.SerializeToElement(payload, Json);
    }

    /// <summary>What is stored: everything but the position (the seq is the entry's score in Redis; the epoch is the history's).</summary>
    public string Body() => JsonSerializer.Serialize(new StoredEntry(EventId, Event, Audience, Payload), Json);

    public static HistoryEntry FromBody(long seq, string body)
    {
        var stored = JsonSerializer.Deserialize<StoredEntry>(body, Json)
            ?? throw new JsonException($"History entry {seq} is empty.");
        return new HistoryEntry(seq, stored.EventId, stored.Event, stored.Audience, stored.Payload);
    }

    /// <summary>
    /// An entry as the append script announces it to the other instances after the frame head:
    /// <c>{epoch}|{seq}|{what <see cref="Body"/> wrote}</c>, in UTF-8.
    /// </summary>
    public static HistoryEntry FromAnnounced(ReadOnlySpan<byte> announced)
    {
        var epochEnd = announced.IndexOf((byte)'|');
        var seqEnd = epochEnd <= 0 ? -1 : announced[(epochEnd + 1)..].IndexOf((byte)'|');
        if (seqEnd <= 0 || !long.TryParse(announced.Slice(epochEnd + 1, seqEnd), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            throw new JsonException("An announced history entry must start with its epoch, '|', its seq and '|'.");
        }
        var stored = JsonSerializer.Deserialize<StoredEntry>(announced[(epochEnd + seqEnd + 2)..], Json)
            ?? throw new JsonException($"Announced history entry {seq} is empty.");
        return new HistoryEntry(seq, stored.EventId, stored.Event, stored.Audience, stored.Payload) { Epoch = System.Text.Encoding.UTF8.GetString(announced[..epochEnd]) };
    }

    private sealed record StoredEntry(Guid EventId, string Event, IReadOnlyList<string> Audience, JsonObject Payload);
}
