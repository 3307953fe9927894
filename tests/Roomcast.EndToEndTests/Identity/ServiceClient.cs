using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// One caller (anonymous or holding an access token) talking JSON to one Roomcast service over real
/// HTTP. Every answer is kept whole (<see cref="Answer"/>) so a failing assertion shows what the
/// service said, and the tail of its log when it answered 5xx.
/// </summary>
internal sealed class ServiceClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly ServiceProcess _service;

    private ServiceClient(ServiceProcess service, string name, string? accessToken, HttpMessageHandler? handler)
    {
        _service = service;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: true);
        _http.BaseAddress = service.BaseAddress;
        _http.Timeout = TimeSpan.FromSeconds(60);
        if (accessToken is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        Name = name;
        AccessToken = accessToken;
    }

    public string Name { get; }

    public string? AccessToken { get; }

    public static ServiceClient Identity(RoomcastStack stack, string name, string? accessToken = null, HttpMessageHandler? handler = null) =>
        new(stack.Identity, name, accessToken, handler);

    public static ServiceClient Documents(RoomcastStack stack, string name, string? accessToken) =>
        new(stack.Documents, name, accessToken, null);

    public void Dispose() => _http.Dispose();

    public Task<Answer> GetAsync(string path) => SendRawAsync(HttpMethod.Get, path, null);

    public Task<Answer> DeleteAsync(string path) => SendRawAsync(HttpMethod.Delete, path, null);

    public Task<Answer> PostAsync(string path, object? body) => SendAsync(HttpMethod.Post, path, body);

    public Task<Answer> PutAsync(string path, object? body) => SendAsync(HttpMethod.Put, path, body);

    public Task<Answer> PatchAsync(string path, object? body) => SendAsync(HttpMethod.Patch, path, body);

    /// <summary>Sends <paramref name="body"/> serialised as camelCase JSON (no body when null).</summary>
    public Task<Answer> SendAsync(HttpMethod method, string path, object? body) =>
        SendRawAsync(method, path, body is null ? null : JsonSerializer.Serialize(body, JsonSerializerOptions.Web));

    public async Task<Answer> SendRawAsync(HttpMethod method, string path, string? body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var log = (int)response.StatusCode >= 500
            ? string.Join(Environment.NewLine, _service.Output.Split(Environment.NewLine).TakeLast(40))
            : null;
        return new Answer(
            $"{Name}: {method} {_service.Name}{path}{(body is null ? "" : " " + Shorten(body))}",
            response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            text,
            response.Headers.RetryAfter?.ToString(),
            response.Headers.WwwAuthenticate.ToString(),
            response.Headers.Location?.ToString(),
            log);
    }

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + $"… ({body.Length} chars)";
}

/// <summary>The tokens a login or a refresh hands out.</summary>
internal sealed record Session(string AccessToken, string RefreshToken, int ExpiresIn, string TokenType)
{
    public static Session From(JsonElement body) => new(
        body.GetProperty("accessToken").GetString()!,
        body.GetProperty("refreshToken").GetString()!,
        body.GetProperty("expiresIn").GetInt32(),
        body.GetProperty("tokenType").GetString()!);
}

internal static class Json
{
    public static Guid Id(this JsonElement record) => record.GetProperty("id").GetGuid();

    public static string? Str(this JsonElement record, string property) => record.GetProperty(property).GetString();

    public static IReadOnlyList<JsonElement> Items(this JsonElement array) => array.EnumerateArray().ToList();

    public static IReadOnlyList<Guid> Ids(this JsonElement array) => array.EnumerateArray().Select(Id).ToList();

    public static IReadOnlyList<Guid> Members(this JsonElement group) => group.GetProperty("members").EnumerateArray().Select(member => member.GetGuid()).ToList();

    public static IReadOnlyList<string> PropertyNames(this JsonElement record) => record.EnumerateObject().Select(property => property.Name).ToList();
}
