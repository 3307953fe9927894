using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Roomcast.ServiceDefaults.Messaging;

namespace Roomcast.Outbox.EventLog;

/// <summary>
/// Copies events of the log, in the order asked, into a RabbitMQ queue for a consumer being debugged:
/// each as the MassTransit envelope the relay published (same message id, its outbox position stamped
/// as the relay stamps it), marked with the <see cref="ReplayHeader"/> header, broker-confirmed. Never into
/// a queue Roomcast's own services consume, so production clients are not touched.
/// </summary>
public sealed class EventCopies(NpgsqlDataSource dataSource, OutboxEventTypes eventTypes, IOptions<RabbitMqOptions> rabbit)
{
    public const string ReplayHeader = "Roomcast-Replay";

    /// <summary>The queues of Roomcast's services start so: a copy there would reach production consumers.</summary>
    public static readonly string[] ServiceQueuePrefixes = ["realtime-gateway.", "documents-api.", "identity."];

    public async Task<CopyOutcome> CopyAsync(string queue, IReadOnlyList<Guid> eventIds, CancellationToken cancellationToken)
    {
        Dictionary<Guid, Row> rows;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            rows = (await connection.QueryAsync<Row>(new CommandDefinition(
                    "SELECT event_id AS EventId, event_type AS EventType, payload::text AS Payload, seq AS Position FROM outbox WHERE event_id = ANY(@ids)",
                    new { ids = eventIds.ToArray() }, cancellationToken: cancellationToken)))
                .ToDictionary(row => row.EventId);
        }

        await using var broker = await RabbitMqConnections.ConnectAsync(rabbit.Value, "event-copies", cancellationToken);
        await using var channel = await broker.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return new CopyOutcome(queue, [], [], QueueMissing: true);
        }

        var copied = new List<Guid>();
        foreach (var eventId in eventIds.Where(rows.ContainsKey))
        {
            var row = rows[eventId];
            var properties = new BasicProperties
            {
                MessageId = eventId.ToString(),
                ContentType = "application/vnd.masstransit+json",
                Persistent = true,
                Headers = new Dictionary<string, object?> { [ReplayHeader] = "true" },
            };
            await channel.BasicPublishAsync("", queue, mandatory: true, properties, Envelope(row), cancellationToken);
            copied.Add(eventId);
        }

        return new CopyOutcome(queue, copied, [.. eventIds.Where(id => !rows.ContainsKey(id))], QueueMissing: false);
    }

    private byte[] Envelope(Row row)
    {
        var message = JsonNode.Parse(row.Payload)!.AsObject();
        message[OutboxRelay.OutboxPositionField] = row.Position ?? 0;
        return JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["messageId"] = row.EventId.ToString(),
            ["messageType"] = new JsonArray(MessageUrn.ForTypeString(eventTypes.TypeOf(row.EventType))),
            ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["headers"] = new JsonObject { [ReplayHeader] = true },
            ["message"] = message,
        });
    }

    private sealed record Row(Guid EventId, string EventType, string Payload, long? Position);
}

/// <summary>What a copy did: the events copied in order, the ids the log does not hold, or that the queue does not exist.</summary>
public sealed record CopyOutcome(string Queue, IReadOnlyList<Guid> Copied, IReadOnlyList<Guid> NotFound, bool QueueMissing);

/// <summary>The body of a copy request: the queue and the events, in the order they are to arrive.</summary>
public sealed record CopyRequest(string Queue, IReadOnlyList<Guid> EventIds);
