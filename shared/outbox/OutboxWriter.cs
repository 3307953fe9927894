using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Roomcast.Outbox;

/// <summary>
/// Writes an integration event into the outbox inside the caller's transaction, so the event exists
/// if and only if the change commits, and asks PostgreSQL to wake every relay on commit (the NOTIFY
/// carries <see cref="OutboxSignal.Sender"/>, so this instance's relay can tell its own commits) unless
/// this instance's relay holds the lock (<see cref="OutboxSignal.RelayHoldsLock"/>).
/// The event keeps the current trace's context, which the relay's publish continues.
/// </summary>
public sealed class OutboxWriter(OutboxEventTypes eventTypes, OutboxSignal signal)
{
    private const string Insert =
        "INSERT INTO outbox (event_id, record_id, event_type, payload, trace_parent, created_at) SELECT $1, $2, $3, $4::jsonb, $5, clock_timestamp()";

    private readonly string _insertAndWakeRelays = $"{Insert} FROM (SELECT pg_notify('{OutboxChannel.Name}', '{signal.Sender}')) AS wake_relays";

    public async Task AddAsync<TEvent>(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid eventId, Guid recordId, TEvent integrationEvent, CancellationToken cancellationToken)
        where TEvent : class
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { CommandFor(eventId, recordId, integrationEvent) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The one statement that writes the event (and the NOTIFY sent on commit, when needed), to batch with others.</summary>
    public NpgsqlBatchCommand CommandFor<TEvent>(Guid eventId, Guid recordId, TEvent integrationEvent)
        where TEvent : class =>
        new(signal.RelayHoldsLock ? Insert : _insertAndWakeRelays)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = eventId },
                new NpgsqlParameter<Guid> { TypedValue = recordId },
                new NpgsqlParameter<string> { TypedValue = eventTypes.NameOf(typeof(TEvent)) },
                new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(integrationEvent, OutboxEventTypes.Json) },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = TraceParent() ?? (object)DBNull.Value },
            },
        };

    /// <summary>The current activity's W3C <c>traceparent</c>, if a trace is being recorded.</summary>
    private static string? TraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } activity ? activity.Id : null;
}
