using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// RabbitMQ's management HTTP API on a stack's virtual host: publishes MassTransit envelopes the way a
/// service would (so a test can publish the same event twice, or a broken one) and peeks at a queue.
/// </summary>
public sealed class BusManagement : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly string _vhost;

    public BusManagement(string virtualHost)
    {
        var stack = TestStackSettings.FromEnvironment();
        _vhost = Uri.EscapeDataString(virtualHost);
        _http = new HttpClient { BaseAddress = new Uri($"http://{stack.RabbitMqHost}:{stack.RabbitMqManagementPort}/api/") };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stack.RabbitMqUser}:{stack.RabbitMqPassword}")));
    }

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

    public void Dispose() => _http.Dispose();
}
