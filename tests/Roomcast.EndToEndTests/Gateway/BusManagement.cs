using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Roomcast.Contracts.Events;
using Roomcast.Contracts.Rooms;
using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// RabbitMQ's management HTTP API on a stack's virtual host: publishes MassTransit envelopes the way a
/// service would (so a test can publish the same event twice, or a broken one) and peeks at a queue.
/// </summary>
public sealed class BusManagement : IDisposable
{
    /// <summary>The exchange and message URN of documents-api's DocumentChanged event.</summary>
    public const string DocumentChangedExchange = "roomcast.document-changed";
    public const string DocumentChangedUrn = "roomcast:events:document-changed";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly string _vhost;

    public BusManagement(string virtualHost)
    {
        var stack = TestStackSettings.Current;
        _vhost = Uri.EscapeDataString(virtualHost);
        _http = new HttpClient { BaseAddress = new Uri($"http://{stack.RabbitMqHost}:{stack.RabbitMqManagementPort}/api/") };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stack.RabbitMqUser}:{stack.RabbitMqPassword}")));
    }

    /// <summary>Publishes a <c>NEW_RECORD</c> of a made-up document addressed to <c>admin</c> alone, as documents-api would; returns the record's id.</summary>
    public static async Task<Guid> PublishNoteToAdminRoomOnlyAsync(string virtualHost, Guid actor, string text)
    {
        using var bus = new BusManagement(virtualHost);
        var eventId = Guid.NewGuid();
        var recordId = Guid.NewGuid();
        await bus.PublishAsync("roomcast.record-created", "roomcast:events:record-created", eventId, new
        {
            eventId,
            occurredAt = DateTimeOffset.UtcNow,
            recordType = RecordTypes.Document,
            recordId,
            record = new { id = recordId, type = "note", data = new { text } },
            version = 1,
            actorId = actor,
            originConnectionId = (string?)null,
            toSelf = true,
            audience = new[] { RoomName.Admin.ToString() },
        });
        return recordId;
    }

    /// <summary>A DocumentChanged event as documents-api publishes it: bob's edit of the plan to <paramref name="text"/>, addressed to <paramref name="audience"/>.</summary>
    public static object BobsPlanEdit(DemoWorld world, Guid eventId, string text, params string[] audience) => new
    {
        eventId,
        occurredAt = DateTimeOffset.UtcNow,
        documentId = world.PlanDocument,
        rootId = world.PlanRoot,
        data = new { text },
        version = 1,
        updatedAt = DateTimeOffset.UtcNow,
        actorId = world.Bob,
        originConnectionId = (string?)null,
        toSelf = true,
        audience,
        outboxPosition = 0,
    };

    /// <summary>Publishes <see cref="BobsPlanEdit"/> on the bus as documents-api would, with message id <paramref name="eventId"/>.</summary>
    public Task PublishBobsPlanEditAsync(DemoWorld world, Guid eventId, string text, params string[] audience) =>
        PublishAsync(DocumentChangedExchange, DocumentChangedUrn, eventId, BobsPlanEdit(world, eventId, text, audience));

    /// <summary>Publishes <paramref name="message"/> as MassTransit would, with message id <paramref name="messageId"/>; fails unless a queue took it.</summary>
    public async Task PublishAsync(string exchange, string messageUrn, Guid messageId, object message)
    {
        var envelope = JsonSerializer.Serialize(new
        {
            messageId,
            messageType = new[] { $"urn:message:{messageUrn}" },
            sentTime = DateTimeOffset.UtcNow,
            message,
        }, Json);
        using var response = await _http.PostAsJsonAsync($"exchanges/{_vhost}/{Uri.EscapeDataString(exchange)}/publish", new
        {
            properties = new { content_type = "application/vnd.masstransit+json", message_id = messageId.ToString(), delivery_mode = 2 },
            routing_key = "",
            payload = envelope,
            payload_encoding = "string",
        });
        var body = await response.Content.ReadAsStringAsync();
        response.EnsureSuccessStatusCode();
        if (!body.Contains("\"routed\":true", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"No queue took the message published on {exchange}: {body}");
        }
    }

    /// <summary>
    /// Puts a MassTransit envelope straight into <paramref name="queue"/> (the default exchange) with
    /// <paramref name="headers"/>: how a test puts a message in an error queue as if it had failed there.
    /// </summary>
    public async Task PutInQueueAsync(string queue, string messageUrn, Guid messageId, object message, Dictionary<string, string> headers)
    {
        var envelope = JsonSerializer.Serialize(new
        {
            messageId,
            messageType = new[] { $"urn:message:{messageUrn}" },
            sentTime = DateTimeOffset.UtcNow,
            message,
        }, Json);
        using var response = await _http.PostAsJsonAsync($"exchanges/{_vhost}/amq.default/publish", new
        {
            properties = new { content_type = "application/vnd.masstransit+json", message_id = messageId.ToString(), delivery_mode = 2, headers },
            routing_key = queue,
            payload = envelope,
            payload_encoding = "string",
        });
        var body = await response.Content.ReadAsStringAsync();
        response.EnsureSuccessStatusCode();
        if (!body.Contains("\"routed\":true", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Queue {queue} did not take the message: {body}");
        }
    }

    /// <summary>The bodies of up to <paramref name="count"/> messages waiting in <paramref name="queue"/>, left in it.</summary>
    public async Task<IReadOnlyList<string>> PeekAsync(string queue, int count)
    {
        using var response = await _http.PostAsJsonAsync($"queues/{_vhost}/{Uri.EscapeDataString(queue)}/get", new
        {
            count,
            ackmode = "ack_requeue_true",
            encoding = "auto",
        });
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
        response.EnsureSuccessStatusCode();
        var messages = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. messages.EnumerateArray().Select(message => message.GetProperty("payload").GetString()!)];
    }

    /// <summary>
    /// Removes every binding from exchange <paramref name="source"/> to exchange <paramref name="destination"/>
    /// (MassTransit binds an event type's exchange to the exchange of each queue that consumes it), so that
    /// queue misses what is published meanwhile; <see cref="BindAsync"/> puts the binding back.
    /// </summary>
    public async Task UnbindAsync(string source, string destination)
    {
        var bindings = await _http.GetFromJsonAsync<JsonElement>($"exchanges/{_vhost}/{Uri.EscapeDataString(source)}/bindings/source");
        var removed = 0;
        foreach (var binding in bindings.EnumerateArray().Where(binding => binding.GetProperty("destination").GetString() == destination))
        {
            var key = Uri.EscapeDataString(binding.GetProperty("properties_key").GetString()!);
            using var response = await _http.DeleteAsync($"bindings/{_vhost}/e/{Uri.EscapeDataString(source)}/e/{Uri.EscapeDataString(destination)}/{key}");
            response.EnsureSuccessStatusCode();
            removed++;
        }

        if (removed == 0)
        {
            throw new InvalidOperationException($"Exchange {source} is not bound to {destination}: {bindings}");
        }
    }

    /// <summary>Binds exchange <paramref name="source"/> to exchange <paramref name="destination"/> as MassTransit does (no routing key).</summary>
    public async Task BindAsync(string source, string destination)
    {
        using var response = await _http.PostAsJsonAsync(
            $"bindings/{_vhost}/e/{Uri.EscapeDataString(source)}/e/{Uri.EscapeDataString(destination)}", new { routing_key = "" });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Declares a queue of the test's own bound to exchange <paramref name="exchange"/>, to see what is published there with <see cref="PeekAsync"/>.</summary>
    public async Task DeclareWitnessQueueAsync(string queue, string exchange)
    {
        using (var declared = await _http.PutAsJsonAsync($"queues/{_vhost}/{Uri.EscapeDataString(queue)}", new { durable = false, auto_delete = false }))
        {
            declared.EnsureSuccessStatusCode();
        }

        using var bound = await _http.PostAsJsonAsync($"bindings/{_vhost}/e/{Uri.EscapeDataString(exchange)}/q/{Uri.EscapeDataString(queue)}", new { routing_key = "" });
        bound.EnsureSuccessStatusCode();
    }

    /// <summary>Declares a queue of the test's own, bound to nothing: what a consumer being debugged would declare.</summary>
    public async Task DeclareQueueAsync(string queue)
    {
        using var declared = await _http.PutAsJsonAsync($"queues/{_vhost}/{Uri.EscapeDataString(queue)}", new { durable = false, auto_delete = false });
        declared.EnsureSuccessStatusCode();
    }

    public async Task DeleteQueueAsync(string queue)
    {
        using var response = await _http.DeleteAsync($"queues/{_vhost}/{Uri.EscapeDataString(queue)}");
        response.EnsureSuccessStatusCode();
    }

    public void Dispose() => _http.Dispose();
}
