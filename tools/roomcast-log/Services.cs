using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Roomcast.LogTool;

/// <summary>
/// The services the tool talks to, each through its admin endpoints with one admin token: given with
/// <c>--token</c> / <c>ROOMCAST_ADMIN_TOKEN</c>, or got by logging in through identity with
/// <c>--admin</c>/<c>--admin-password</c> (<c>ROOMCAST_ADMIN_USER</c>/<c>ROOMCAST_ADMIN_PASSWORD</c>).
/// </summary>
public sealed class Services : IDisposable
{
    public const string Identity = "identity";
    public const string DocumentsApi = "documents-api";
    public const string Gateway = "realtime-gateway";

    /// <summary>The services that keep an event log, in the order their logs are read.</summary>
    public static readonly string[] Logs = [Identity, DocumentsApi];

    private readonly Dictionary<string, Uri> _addresses;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private Services(Dictionary<string, Uri> addresses) => _addresses = addresses;

    public static async Task<Services> ConnectAsync(CommandLine line, CancellationToken cancellationToken)
    {
        var addresses = new Dictionary<string, Uri>(StringComparer.Ordinal);
        Add(addresses, line, Identity, "identity", "ROOMCAST_IDENTITY_URL");
        Add(addresses, line, DocumentsApi, "documents", "ROOMCAST_DOCUMENTS_URL");
        Add(addresses, line, Gateway, "gateway", "ROOMCAST_GATEWAY_URL");
        if (addresses.Count == 0)
        {
            throw new ToolError("No service to ask: give --identity, --documents and --gateway (or ROOMCAST_IDENTITY_URL, ROOMCAST_DOCUMENTS_URL, ROOMCAST_GATEWAY_URL).", ToolError.Usage);
        }

        var services = new Services(addresses);
        var token = line.OptionOrEnvironment("token", "ROOMCAST_ADMIN_TOKEN")
            ?? await services.LoginAsync(line.OptionOrEnvironment("admin", "ROOMCAST_ADMIN_USER"), line.OptionOrEnvironment("admin-password", "ROOMCAST_ADMIN_PASSWORD"), cancellationToken);
        services._http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return services;
    }

    public bool Knows(string service) => _addresses.ContainsKey(service);

    /// <summary>GET, answering the JSON body, or null for a 404 when <paramref name="notFoundIsNull"/>.</summary>
    public Task<JsonElement?> GetAsync(string service, string path, CancellationToken cancellationToken, bool notFoundIsNull = false) =>
        SendAsync(service, HttpMethod.Get, path, notFoundIsNull, cancellationToken);

    public async Task<JsonElement> PostAsync(string service, string path, CancellationToken cancellationToken, object? body = null) =>
        (await SendAsync(service, HttpMethod.Post, path, notFoundIsNull: false, cancellationToken, body))!.Value;

    private async Task<JsonElement?> SendAsync(string service, HttpMethod method, string path, bool notFoundIsNull, CancellationToken cancellationToken, object? body = null)
    {
        var address = _addresses.TryGetValue(service, out var known)
            ? new Uri(known, path)
            : throw new ToolError($"No address for {service}: give --{OptionOf(service)}.", ToolError.Usage);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(new HttpRequestMessage(method, address) { Content = body is null ? null : JsonContent.Create(body) }, cancellationToken);
        }
        catch (HttpRequestException unreachable)
        {
            throw new ToolError($"{service} at {known} is unreachable: {unreachable.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ToolError($"{service} at {known} did not answer {method} {path} within {_http.Timeout.TotalSeconds} s.");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull)
            {
                return null;
            }

            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ToolError($"{service} refused {method} {path}: {Describe(response.StatusCode, answer)}");
            }

            return JsonSerializer.Deserialize<JsonElement>(answer);
        }
    }

    private async Task<string> LoginAsync(string? user, string? password, CancellationToken cancellationToken)
    {
        if (user is null || password is null)
        {
            throw new ToolError("No admin credentials: give --token (ROOMCAST_ADMIN_TOKEN), or --admin and --admin-password (ROOMCAST_ADMIN_USER, ROOMCAST_ADMIN_PASSWORD) to log in through identity.", ToolError.Usage);
        }

        if (!_addresses.TryGetValue(Identity, out var identity))
        {
            throw new ToolError("Logging in needs identity's address: give --identity (ROOMCAST_IDENTITY_URL), or an admin --token.", ToolError.Usage);
        }

        using var response = await _http.PostAsJsonAsync(new Uri(identity, "/api/v1/auth/login"), new { username = user, password }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ToolError($"identity refused the login of {user}: {Describe(response.StatusCode, body)}");
        }

        return JsonSerializer.Deserialize<JsonElement>(body).GetProperty("accessToken").GetString()!;
    }

    /// <summary>A refusal in one line: the status, the problem's type name and its detail (RFC 7807), or the start of the body.</summary>
    private static string Describe(HttpStatusCode status, string body)
    {
        try
        {
            var problem = JsonSerializer.Deserialize<JsonElement>(body);
            var type = problem.TryGetProperty("type", out var typeUri) ? typeUri.GetString()?.Split('/')[^1] : null;
            var detail = problem.TryGetProperty("detail", out var text) ? text.GetString() : null;
            var errors = problem.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object
                ? " " + string.Join("; ", fields.EnumerateObject().Select(field => $"{field.Name}: {string.Join(" ", field.Value.EnumerateArray().Select(e => e.GetString()))}"))
                : "";
            return $"{(int)status} {type}: {detail}{errors}";
        }
        catch (JsonException)
        {
            return $"{(int)status} {body[..Math.Min(body.Length, 200)]}";
        }
    }

    private static string OptionOf(string service) => service switch
    {
        Identity => "identity",
        DocumentsApi => "documents",
        _ => "gateway",
    };

    private static void Add(Dictionary<string, Uri> addresses, CommandLine line, string service, string option, string variable)
    {
        if (line.OptionOrEnvironment(option, variable) is not { } text)
        {
            return;
        }

        addresses[service] = Uri.TryCreate(text, UriKind.Absolute, out var address) && address.Scheme is "http" or "https"
            ? address
            : throw new ToolError($"--{option} must be an http(s) URL, not '{text}'.", ToolError.Usage);
    }

    public void Dispose() => _http.Dispose();
}
