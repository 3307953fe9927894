using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>Writes results to stdout as a table for people or, with <c>--json</c>, one JSON object per line; progress goes to stderr.</summary>
public sealed class Printer(TextWriter output, TextWriter progress, bool json, bool quiet)
{
    // Shown to a person, not embedded in HTML: '+' and non-ASCII text stay as they are.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public bool Json { get; } = json;

    public void Line(string text = "") => output.WriteLine(text);

    public void JsonLine(JsonElement value) => output.WriteLine(value.GetRawText());

    public void JsonLine(object value) => output.WriteLine(JsonSerializer.Serialize(value, JsonSerializerOptions.Web));

    public void Progress(string text)
    {
        if (!quiet)
        {
            progress.WriteLine(text);
        }
    }

    /// <summary>One event of a log as a table row: when it committed, where, its position, type, record, actor, id and audience.</summary>
    public void Event(JsonElement entry)
    {
        if (Json)
        {
            JsonLine(entry);
            return;
        }

        var audience = entry.GetProperty("audience").EnumerateArray().Select(room => room.GetString()).ToList();
        Line(string.Join("  ",
            Time(entry.GetProperty("committedAt")),
            entry.GetProperty("service").GetString()!.PadRight(13),
            $"#{Text(entry.GetProperty("position"))}".PadRight(6),
            entry.GetProperty("eventType").GetString()!.PadRight(22),
            $"{Text(entry.GetProperty("recordType"))} {Text(entry.GetProperty("recordId"))}".PadRight(52),
            $"by {Text(entry.GetProperty("actorId"))}",
            $"event {entry.GetProperty("eventId").GetString()}",
            $"to {string.Join(",", audience)}"));
    }

    public static string Indent(JsonElement value, string prefix) =>
        string.Join(Environment.NewLine, JsonSerializer.Serialize(value, Indented).Split('\n').Select(line => prefix + line.TrimEnd('\r')));

    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "-",
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };

    public static string Time(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") : "-";
}
