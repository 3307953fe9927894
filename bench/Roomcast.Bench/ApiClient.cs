using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Roomcast.Bench;

/// <summary>What one request did: when it was due (open loop) or sent (closed loop), how long it took, and whether it failed.</summary>
public readonly record struct RequestResult(long StartTimestamp, double LatencyMs, string? Error);

/// <summary>The few identity and documents-api calls the benchmark makes, over one pooled HTTP/1.1 client.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    private ApiClient(HttpClient http) => _http = http;

    public static async Task<ApiClient> SignInAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        using var identity = new HttpClient { BaseAddress = options.Identity, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await identity.PostAsJsonAsync("/api/v1/auth/login", new { username = options.Username, password = options.Password }, cancellationToken);
        await EnsureSuccessAsync(response, "login", cancellationToken);
        var login = await response.Content.ReadFromJsonAsync<LoginResponse>(cancellationToken)
            ?? throw new InvalidOperationException("login answered an empty body");

        // Connections are reused for the whole run: a new TCP connection per request would measure the
        // loopback handshake, not the API. No connection cap, so the open loop is never queued here.
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        var http = new HttpClient(handler) { BaseAddress = options.DocumentsApi, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        return new ApiClient(http);
    }

    public async Task<Guid> CreateDocumentAsync(Guid rootId, int number, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync($"/api/v1/roots/{rootId}/documents",
            new { type = "bench", data = new { number } }, cancellationToken);
        await EnsureSuccessAsync(response, "create document", cancellationToken);
        var document = await response.Content.ReadFromJsonAsync<CreatedDocument>(cancellationToken)
            ?? throw new InvalidOperationException("create document answered an empty body");
        return document.Id;
    }

    /// <summary>
    /// One PUT of a small <c>{data}</c>. Never throws for a failed request: the error is part of the
    /// result. Latency runs from <paramref name="startTimestamp"/>, which the open loop sets to the
    /// time the request was due, so a late send counts against the API rather than vanishing.
    /// </summary>
    public async Task<RequestResult> UpdateDocumentAsync(Guid documentId, long sequence, long startTimestamp, CancellationToken cancellationToken)
    {
        string? error = null;
        try
        {
            using var content = new StringContent("{\"data\":{\"text\":\"bench\",\"n\":" + sequence + "}}", Encoding.UTF8, "application/json");
            using var response = await _http.PutAsync($"/api/v1/documents/{documentId}", content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                error = $"HTTP {(int)response.StatusCode} {Truncate(await response.Content.ReadAsStringAsync(cancellationToken))}";
            }
            else
            {
                // Read the body: the request is not over for a user until it has arrived.
                await response.Content.LoadIntoBufferAsync(cancellationToken);
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            error = $"{exception.GetType().Name}: {exception.Message}";
        }

        return new RequestResult(startTimestamp, Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, error);
    }

    public void Dispose() => _http.Dispose();

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} failed: HTTP {(int)response.StatusCode} {Truncate(await response.Content.ReadAsStringAsync(cancellationToken))}");
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private sealed record LoginResponse(string AccessToken);

    private sealed record CreatedDocument(Guid Id);
}
