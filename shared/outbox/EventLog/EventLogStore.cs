using System.Text.Json;
using Dapper;
using Npgsql;

namespace Roomcast.Outbox.EventLog;

/// <summary>Reads the service's outbox as its event log: the rows the relay published (and those it has not yet), never written here.</summary>
public sealed class EventLogStore(NpgsqlDataSource dataSource, OutboxEventTypes eventTypes)
{
    private const string Columns =
        "seq AS Position, event_id AS EventId, event_type AS EventType, record_id AS RecordId, payload::text AS Payload, created_at AS CommittedAt, published_at AS PublishedAt";

    /// <summary>
    /// Numbered events only: an event has no position before the relay gives it one, and a page must not
    /// skip it later. The audience filter uses containment (<c>@&gt;</c>), which also keeps Dapper away from <c>?</c>.
    /// </summary>
    private const string List =
        $"""
        SELECT {Columns} FROM outbox
        WHERE seq IS NOT NULL AND seq > @after
          AND (@before::bigint IS NULL OR seq < @before)
          AND (@from::timestamptz IS NULL OR created_at >= @from)
          AND (@to::timestamptz IS NULL OR created_at < @to)
          AND (@eventType::text IS NULL OR event_type = @eventType)
          AND (@recordType::text IS NULL OR payload->>'recordType' = @recordType
               OR (payload->>'recordType' IS NULL AND event_type = ANY(@impliedTypes)))
          AND (@recordId::uuid IS NULL OR record_id = @recordId)
          AND (@actor::text IS NULL OR payload->>'actorId' = @actor)
          AND (@room::text IS NULL OR payload->'audience' @> jsonb_build_array(@room::text))
        ORDER BY seq
        LIMIT @limit;
        SELECT last_seq FROM outbox_state;
        """;

    private const string ById = $"SELECT {Columns} FROM outbox WHERE event_id = @eventId";

    public async Task<EventLogPage> ListAsync(string service, EventLogQuery query, CancellationToken cancellationToken)
    {
        var limit = query.Limit ?? EventLogQuery.DefaultLimit;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(List, new
        {
            after = query.AfterPosition ?? 0,
            before = query.BeforePosition,
            from = query.From?.UtcDateTime,
            to = query.To?.UtcDateTime,
            eventType = query.EventType,
            recordType = query.RecordType,
            impliedTypes = query.RecordType is { } recordType ? eventTypes.EventTypesAbout(recordType) : [],
            recordId = query.RecordId,
            actor = query.Actor?.ToString(),
            room = query.Room,
            limit,
        }, cancellationToken: cancellationToken));
        var rows = (await results.ReadAsync<Row>()).ToList();
        var lastPosition = await results.ReadSingleAsync<long>();
        var events = rows.Select(row => EntryOf(service, row, query.Payload == true)).ToList();
        return new EventLogPage(service, events, rows.Count == limit ? rows[^1].Position : null, lastPosition);
    }

    public async Task<EventLogEntry?> FindAsync(string service, Guid eventId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ById, new { eventId }, cancellationToken: cancellationToken));
        return row is null ? null : EntryOf(service, row, withPayload: true);
    }

    private EventLogEntry EntryOf(string service, Row row, bool withPayload)
    {
        using var document = JsonDocument.Parse(row.Payload);
        var payload = document.RootElement;
        var recordType = payload.TryGetProperty("recordType", out var declared) && declared.ValueKind == JsonValueKind.String
            ? declared.GetString()
            : eventTypes.RecordTypeOf(row.EventType);
        Guid? actor = payload.TryGetProperty("actorId", out var actorId) && actorId.TryGetGuid(out var id) ? id : null;
        IReadOnlyList<string> audience = payload.TryGetProperty("audience", out var rooms) && rooms.ValueKind == JsonValueKind.Array
            ? [.. rooms.EnumerateArray().Select(room => room.GetString() ?? "")]
            : [];
        return new EventLogEntry(
            service, row.Position, row.EventId, row.EventType, recordType, row.RecordId, actor, audience,
            new DateTimeOffset(DateTime.SpecifyKind(row.CommittedAt, DateTimeKind.Utc)),
            row.PublishedAt is { } published ? new DateTimeOffset(DateTime.SpecifyKind(published, DateTimeKind.Utc)) : null,
            withPayload ? payload.Clone() : null);
    }

    private sealed record Row(long? Position, Guid EventId, string EventType, Guid? RecordId, string Payload, DateTime CommittedAt, DateTime? PublishedAt);
}
