using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;

namespace Roomcast.EndToEndTests.DocumentsApi;

/// <summary>
/// One signed-in user (or nobody) talking JSON to documents-api over real HTTP. Raw methods return an
/// <see cref="Answer"/> to assert on; the <c>…Async</c> shortcuts set up records and fail the test
/// at once when documents-api does not answer with the documented success.
/// </summary>
internal sealed class ApiUser : IDisposable
{
    private readonly HttpClient _http;
    private readonly Func<string>? _serverLog;

    private ApiUser(HttpClient http, Guid? id, string name, Func<string>? serverLog)
    {
        _http = http;
        _serverLog = serverLog;
        _http.Timeout = TimeSpan.FromSeconds(60);
        Id = id ?? Guid.Empty;
        Name = name;
    }

    public Guid Id { get; }

    public string Name { get; }

    public static async Task<ApiUser> LoginAsync(RoomcastStack stack, Guid user) =>
        new(stack.DocumentsClient(await stack.LoginAsync(user)), user, stack.World.UsernameOf(user), () => stack.Documents.Output);

    public static ApiUser Anonymous(RoomcastStack stack, string? token = null) =>
        new(stack.DocumentsClient(token), null, token is null ? "anonymous" : "bad token", () => stack.Documents.Output);

    public void Dispose() => _http.Dispose();

    public Task<Answer> GetAsync(string path) => SendRawAsync(HttpMethod.Get, path, null);

    public Task<Answer> DeleteAsync(string path) => SendRawAsync(HttpMethod.Delete, path, null);

    /// <summary>Sends <paramref name="body"/> serialised as camelCase JSON (or no body when null).</summary>
    public Task<Answer> SendAsync(HttpMethod method, string path, object? body) =>
        SendRawAsync(method, path, body is null ? null : JsonSerializer.Serialize(body, JsonSerializerOptions.Web));

    public Task<Answer> SendAsync(string method, string path, object? body) => SendAsync(new HttpMethod(method), path, body);

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
        // A server error says nothing useful by itself: keep the end of documents-api's log with it.
        var log = (int)response.StatusCode >= 500 && _serverLog is not null
            ? string.Join(Environment.NewLine, _serverLog().Split(Environment.NewLine).TakeLast(40))
            : null;
        return new Answer($"{Name}: {method} {path}{(body is null ? "" : " " + Shorten(body))}", response.StatusCode,
            response.Content.Headers.ContentType?.MediaType, text, response.Headers.RetryAfter?.ToString(),
            response.Headers.WwwAuthenticate.ToString(), response.Headers.Location?.ToString(), log);
    }

    // ---- shortcuts that must succeed ----

    public async Task<JsonElement> CreateRootAsync(string name = "Root", string? sharedAccess = null)
    {
        object body = sharedAccess is null ? new { name } : new { name, sharedAccess };
        return (await SendAsync(HttpMethod.Post, "/api/v1/roots", body)).ShouldBe(HttpStatusCode.Created);
    }

    public async Task<Guid> CreateRootIdAsync(string name = "Root", string? sharedAccess = null) =>
        (await CreateRootAsync(name, sharedAccess)).Id();

    public async Task<JsonElement> GrantAsync(Guid root, Guid user, string access)
    {
        var response = await SendAsync(HttpMethod.Put, $"/api/v1/roots/{root}/permissions/users/{user}", new { access });
        new[] { HttpStatusCode.Created, HttpStatusCode.OK }.ShouldContain(response.Status, response.Describe());
        return response.Json;
    }

    public async Task<JsonElement> CreateDocumentAsync(Guid root, string type = "note", object? data = null, Guid? parentId = null, string query = "", Guid? authorId = null)
    {
        var body = new Dictionary<string, object?> { ["type"] = type, ["data"] = data ?? new { text = "hello" } };
        if (parentId is not null)
        {
            body["parentId"] = parentId;
        }

        if (authorId is not null)
        {
            body["authorId"] = authorId;
        }

        return (await SendAsync(HttpMethod.Post, $"/api/v1/roots/{root}/documents{query}", body)).ShouldBe(HttpStatusCode.Created);
    }

    public async Task<Guid> CreateDocumentIdAsync(Guid root, string type = "note", Guid? parentId = null) =>
        (await CreateDocumentAsync(root, type, parentId: parentId)).Id();

    public async Task<JsonElement> ReadAsync(string path) => (await GetAsync(path)).ShouldBe(HttpStatusCode.OK);

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + $"… ({body.Length} chars)";
}

/// <summary>What documents-api answered to one request, with the request named for assertion messages.</summary>
internal static class Records
{
    public static Guid Id(this JsonElement record) => record.GetProperty("id").GetGuid();

    public static long Version(this JsonElement record) => record.GetProperty("version").GetInt64();

    public static string? Str(this JsonElement record, string property) => record.GetProperty(property).GetString();

    public static Guid? OptionalGuid(this JsonElement record, string property) =>
        record.GetProperty(property).ValueKind == JsonValueKind.Null ? null : record.GetProperty(property).GetGuid();

    public static IReadOnlyList<JsonElement> Items(this JsonElement array) => array.EnumerateArray().ToList();

    public static IReadOnlyList<Guid> Ids(this JsonElement array) => array.EnumerateArray().Select(Id).ToList();
}
