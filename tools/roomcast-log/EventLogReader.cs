using System.Globalization;
using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>
/// Reads the event logs of identity and documents-api page by page with the filters of the command line,
/// and merges them in commit time (each log is in its own position order; positions of two services are
/// not comparable, commit times are).
/// </summary>
public sealed class EventLogReader(Services services, CommandLine line, Printer printer)
{
    private const int PageSize = 1_000;

    /// <summary>The logs to read: <c>--service</c>'s, else every one with an address.</summary>
    public IReadOnlyList<string> Logs { get; } = line.Option("service") switch
    {
        null => [.. Services.Logs.Where(services.Knows)],
        var one when Services.Logs.Contains(one) => [one],
        var other => throw new ToolError($"--service must be one of {string.Join(", ", Services.Logs)} for the event log, not '{other}'.", ToolError.Usage),
    };

    /// <summary>A position range is one service's: <c>--after</c>/<c>--before</c> need <c>--service</c>.</summary>
    public long? After { get; } = PositionOf(line, "after");

    public long? Before { get; } = PositionOf(line, "before");

    /// <summary>Up to <paramref name="limit"/> events of each log after its position in <paramref name="after"/>, merged in commit time, the oldest <paramref name="limit"/> of them.</summary>
    public async Task<List<JsonElement>> ReadAsync(IReadOnlyDictionary<string, long> after, long limit, CancellationToken cancellationToken)
    {
        var merged = new List<JsonElement>();
        foreach (var service in Logs)
        {
            merged.AddRange(await ReadLogAsync(service, after.GetValueOrDefault(service), limit, cancellationToken));
        }

        return [.. merged.OrderBy(entry => entry.GetProperty("committedAt").GetDateTimeOffset()).ThenBy(entry => entry.GetProperty("service").GetString(), StringComparer.Ordinal).Take((int)limit)];
    }

    /// <summary>The newest position each log has given, where following it starts.</summary>
    public async Task<Dictionary<string, long>> HeadsAsync(CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var service in Logs)
        {
            // An empty range (positions below 1) answers only the log's last position.
            var page = (await services.GetAsync(service, $"/api/v1/admin/event-log/events?limit=1&beforePosition=1", cancellationToken))!.Value;
            heads[service] = page.GetProperty("lastPosition").GetInt64();
        }

        return heads;
    }

    private async Task<List<JsonElement>> ReadLogAsync(string service, long after, long limit, CancellationToken cancellationToken)
    {
        var events = new List<JsonElement>();
        var cursor = after;
        var pages = 0;
        while (events.Count < limit)
        {
            var size = (int)Math.Min(PageSize, limit - events.Count);
            var page = (await services.GetAsync(service, $"/api/v1/admin/event-log/events?{Query(cursor, size)}", cancellationToken))!.Value;
            events.AddRange(page.GetProperty("events").EnumerateArray().Select(entry => entry.Clone()));
            pages++;
            if (page.GetProperty("nextAfterPosition") is not { ValueKind: JsonValueKind.Number } next)
            {
                break;
            }

            cursor = next.GetInt64();
            if (events.Count < limit)
            {
                // Long reads say how far they are, on stderr; a read of one page is quick and says nothing.
                printer.Progress($"{service}: {events.Count} events read, at position {cursor} of {page.GetProperty("lastPosition").GetInt64()}");
            }
        }

        if (pages > 1)
        {
            printer.Progress($"{service}: {events.Count} events read");
        }

        return events;
    }

    private string Query(long after, int limit)
    {
        var query = new List<string> { $"limit={limit}", $"afterPosition={after}" };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                query.Add($"{name}={Uri.EscapeDataString(value)}");
            }
        }

        Add("beforePosition", Before?.ToString(CultureInfo.InvariantCulture));
        Add("eventType", line.Option("type"));
        Add("recordType", line.Option("record-type"));
        Add("recordId", line.GuidOption("record")?.ToString());
        Add("actor", line.GuidOption("actor")?.ToString());
        Add("room", line.Option("room"));
        Add("from", line.TimeOption("from")?.ToString("O", CultureInfo.InvariantCulture));
        Add("to", line.TimeOption("to")?.ToString("O", CultureInfo.InvariantCulture));
        Add("payload", line.Has("payload") ? "true" : null);
        return string.Join("&", query);
    }

    private static long? PositionOf(CommandLine line, string name)
    {
        var position = line.NumberOption(name, 0, long.MaxValue);
        return position is not null && line.Option("service") is null
            ? throw new ToolError($"--{name} is a position in one service's log: give --service too.", ToolError.Usage)
            : position;
    }
}
