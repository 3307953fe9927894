using System.Text.Json;
using Dapper;
using Npgsql;

namespace Roomcast.Outbox;

/// <summary>
/// Writes an integration event into the outbox inside the caller's transaction, so the event exists
/// if and only if the change commits, and asks PostgreSQL to wake every relay on commit.
/// </summary>
public sealed class OutboxWriter(OutboxEventTypes eventTypes)
{
    public async Task AddAsync<TEvent>(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid eventId, Guid recordId, TEvent integrationEvent, CancellationToken cancellationToken)
        where TEvent : class
    {
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO outbox (event_id, record_id, event_type, payload, created_at) VALUES (@eventId, @recordId, @eventType, @payload::jsonb, clock_timestamp());
            SELECT pg_notify('{OutboxChannel.Name}', '');
            """,
            new
            {
                eventId,
                recordId,
                eventType = eventTypes.NameOf(typeof(TEvent)),
                payload = JsonSerializer.Serialize(integrationEvent, OutboxEventTypes.Json),
            },
            transaction,
            cancellationToken: cancellationToken));
    }
}
