using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// One event as the history keeps it: the position <see cref="Seq"/> it was given, its audience (the
/// rooms it was sent to) and the client message without its seq, which is stamped back on when it is
/// read (the seq is only known once the event is appended, in the same step).
/// </summary>
public sealed record HistoryEntry(long Seq, Guid EventId, string Event, IReadOnlyList<string> Audience, JsonObject Payload)
{
    /// <summary>The serialisation SignalR's JSON protocol uses, so a resumed payload reads like a live one.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The client message as JSON, without <c>seq</c>.</summary>
    public static JsonObject PayloadOf(object message)
    {
        var payload = JsonSerializer.SerializeToNode(message, message.GetType(), Json) as JsonObject
            ?? throw new ArgumentException($"A client message must serialise to a JSON object, not {message.GetType().Name}.", nameof(message));
        payload.Remove("seq");
        return payload;
    }

    /// <summary>The payload the client would have received live: the stored one with its seq.</summary>
    public JsonElement ClientPayload()
    {
        var payload = (JsonObject)Payload.DeepClone();
        payload["seq"] = Seq;
        return JsonSerializer.SerializeToElement(payload, Json);
    }

    /// <summary>What is stored: everything but the seq, which is the entry's position (its score in Redis).</summary>
    public string Body() => JsonSerializer.Serialize(new StoredEntry(EventId, Event, Audience, Payload), Json);

    public static HistoryEntry FromBody(long seq, string body)
    {
        var stored = JsonSerializer.Deserialize<StoredEntry>(body, Json)
            ?? throw new JsonException($"History entry {seq} is empty.");
        return new HistoryEntry(seq, stored.EventId, stored.Event, stored.Audience, stored.Payload);
    }

    /// <summary>
    /// An entry as the append script announces it to the other instances after the frame head:
    /// <c>{seq}|{what <see cref="Body"/> wrote}</c>, in UTF-8.
    /// </summary>
    public static HistoryEntry FromAnnounced(ReadOnlySpan<byte> announced)
    {
        var bar = announced.IndexOf((byte)'|');
        if (bar <= 0 || !long.TryParse(announced[..bar], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            throw new JsonException("An announced history entry must start with its seq and '|'.");
        }
        var stored = JsonSerializer.Deserialize<StoredEntry>(announced[(bar + 1)..], Json)
            ?? throw new JsonException($"Announced history entry {seq} is empty.");
        return new HistoryEntry(seq, stored.EventId, stored.Event, stored.Audience, stored.Payload);
    }

    private sealed record StoredEntry(Guid EventId, string Event, IReadOnlyList<string> Audience, JsonObject Payload);
}
