using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Roomcast.LoadGen;

/// <summary>The identity and documents-api calls the generator makes, as one user (or anonymously), over pooled connections.</summary>
public sealed class RoomcastApi(HttpClient http)
{
    public static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
        MaxConnectionsPerServer = 256,
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends JSON and returns the answer's status and JSON body (<c>default</c> when empty).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body, string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: JsonSerializerOptions.Web);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var json = text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
        return (response.StatusCode, json);
    }

    /// <summary>As <see cref="SendAsync"/>, failing with the answer when it is not one of <paramref name="expected"/>.</summary>
    public async Task<JsonElement> RequireAsync(HttpMethod method, string path, object? body, string? token, CancellationToken cancellationToken, params HttpStatusCode[] expected)
    {
        var (status, json) = await SendAsync(method, path, body, token, cancellationToken);
        if (!expected.Contains(status))
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)status}: {(json.ValueKind == JsonValueKind.Undefined ? "(no body)" : json.GetRawText())}");
        }
        return json;
    }

    public async Task<string> LoginAsync(string username, string password, CancellationToken cancellationToken)
    {
        var json = await RequireAsync(HttpMethod.Post, "/api/v1/auth/login", new { username, password }, null, cancellationToken, HttpStatusCode.OK);
        return json.GetProperty("accessToken").GetString()!;
    }
}
