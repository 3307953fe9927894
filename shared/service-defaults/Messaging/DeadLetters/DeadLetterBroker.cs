using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Roomcast.ServiceDefaults.Messaging.DeadLetters;

/// <summary>
/// Reads and moves the messages of this service's error queues over AMQP, with the service's own broker
/// settings. Reading takes messages with <c>basic.get</c> and hands them back unacknowledged, so they keep
/// their place; a redrive publishes a message to its consumer queue (default exchange, broker-confirmed)
/// before it acknowledges it in the error queue, so a failure in between leaves a copy in both, never in
/// neither (the consumers drop a copy by event id).
/// </summary>
public sealed class DeadLetterBroker(IOptions<RabbitMqOptions> options, IEnumerable<ConsumerQueue> queues)
{
    /// <summary>How many messages one call takes out of an error queue at most, so a huge queue cannot hold the service.</summary>
    public const int MaxPerCall = 10_000;

    private const string FaultHeaderPrefix = "MT-Fault-";
    private const string ReasonHeader = "MT-Reason";

    public IReadOnlyList<ConsumerQueue> Queues { get; } = [.. queues.DistinctBy(queue => queue.Name)];

    /// <summary>Up to <paramref name="limit"/> messages of each error queue, left where they are.</summary>
    public async Task<IReadOnlyList<DeadLetterQueue>> PeekAsync(int limit, bool withMessage, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var report = new List<DeadLetterQueue>();
        foreach (var queue in Queues)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            var count = await CountAsync(channel, queue, cancellationToken);
            if (count is null)
            {
                report.Add(new DeadLetterQueue(queue.Name, queue.ErrorQueue, 0, []));
                continue;
            }

            var taken = await TakeAsync(channel, queue, limit, cancellationToken);
            if (taken.Count > 0)
            {
                await channel.BasicNackAsync(taken[^1].DeliveryTag, multiple: true, requeue: true, cancellationToken);
            }

            report.Add(new DeadLetterQueue(queue.Name, queue.ErrorQueue, count.Value, [.. taken.Select(message => Describe(queue, message, withMessage))]));
        }

        return report;
    }

    /// <summary>
    /// Moves the messages <paramref name="selected"/> picks (in <paramref name="queue"/>'s error queue, or in every
    /// one) back to their consumer queue when <paramref name="redrive"/>, or drops them; the rest stay.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetter>> MoveAsync(string? queue, Func<DeadLetter, bool> selected, bool redrive, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        var moved = new List<DeadLetter>();
        foreach (var consumerQueue in Queues.Where(candidate => queue is null || candidate.Name == queue))
        {
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            if (await CountAsync(channel, consumerQueue, cancellationToken) is null)
            {
                continue;
            }

            var taken = await TakeAsync(channel, consumerQueue, MaxPerCall, cancellationToken);
            var left = new List<ulong>();
            foreach (var message in taken)
            {
                var letter = Describe(consumerQueue, message, withMessage: false);
                if (!selected(letter))
                {
                    left.Add(message.DeliveryTag);
                    continue;
                }

                if (redrive)
                {
                    await channel.BasicPublishAsync("", consumerQueue.Name, mandatory: true, WithoutFault(message.BasicProperties), message.Body, cancellationToken);
                }

                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
                moved.Add(letter);
            }

            // The ones not picked go back where they were (closing the channel would too; this says so).
            foreach (var tag in left)
            {
                await channel.BasicNackAsync(tag, multiple: false, requeue: true, cancellationToken);
            }
        }

        return moved;
    }

    private Task<IConnection> ConnectAsync(CancellationToken cancellationToken) =>
        RabbitMqConnections.ConnectAsync(options.Value, "dead-letters", cancellationToken);

    /// <summary>The error queue's message count, or null when it does not exist (nothing ever failed there).</summary>
    private static async Task<long?> CountAsync(IChannel channel, ConsumerQueue queue, CancellationToken cancellationToken)
    {
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue.ErrorQueue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException missing) when (missing.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private static async Task<List<BasicGetResult>> TakeAsync(IChannel channel, ConsumerQueue queue, int limit, CancellationToken cancellationToken)
    {
        var taken = new List<BasicGetResult>();
        while (taken.Count < limit && await channel.BasicGetAsync(queue.ErrorQueue, autoAck: false, cancellationToken) is { } message)
        {
            taken.Add(message);
        }

        return taken;
    }

    private static BasicProperties WithoutFault(IReadOnlyBasicProperties original)
    {
        var properties = new BasicProperties(original);
        if (properties.Headers is { } headers)
        {
            properties.Headers = headers
                .Where(header => !header.Key.StartsWith(FaultHeaderPrefix, StringComparison.Ordinal) && header.Key != ReasonHeader)
                .ToDictionary(header => header.Key, header => header.Value);
        }

        return properties;
    }

    private static Guid? MessageIdOf(BasicGetResult message) =>
        Guid.TryParse(message.BasicProperties.MessageId, out var id) ? id : null;

    private static DeadLetter Describe(ConsumerQueue queue, BasicGetResult message, bool withMessage)
    {
        string? messageType = null;
        Guid? eventId = null;
        JsonElement? body = null;
        try
        {
            using var envelope = JsonDocument.Parse(message.Body);
            var root = envelope.RootElement;
            if (root.TryGetProperty("messageType", out var types) && types.ValueKind == JsonValueKind.Array && types.GetArrayLength() > 0)
            {
                messageType = types[0].GetString();
            }

            if (root.TryGetProperty("message", out var inner))
            {
                if (inner.ValueKind == JsonValueKind.Object && inner.TryGetProperty("eventId", out var id) && id.TryGetGuid(out var parsed))
                {
                    eventId = parsed;
                }

                body = withMessage ? inner.Clone() : null;
            }
        }
        catch (JsonException)
        {
            // Not a MassTransit JSON envelope: shown by its headers alone.
        }

        var headers = message.BasicProperties.Headers;
        return new DeadLetter(
            queue.Name,
            MessageIdOf(message),
            eventId,
            messageType,
            DateTimeOffset.TryParse(Header(headers, FaultHeaderPrefix + "Timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            Header(headers, FaultHeaderPrefix + "ExceptionType"),
            Header(headers, FaultHeaderPrefix + "Message") ?? Header(headers, ReasonHeader),
            withMessage ? Header(headers, FaultHeaderPrefix + "StackTrace") : null,
            body);
    }

    private static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value)
            ? value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => null,
                _ => Convert.ToString(value, CultureInfo.InvariantCulture),
            }
            : null;
}
