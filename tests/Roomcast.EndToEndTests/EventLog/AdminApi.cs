using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>Calls a service's admin endpoints with a bearer token and reads the JSON answer.</summary>
internal static class AdminApi
{
    public static HttpClient Client(Uri service, string? accessToken)
    {
        var http = new HttpClient { BaseAddress = service };
        if (accessToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return http;
    }

    public static async Task<JsonElement> GetOkAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}: {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    /// <summary>GETs <paramref name="path"/> until its answer is <paramref name="done"/>; fails with the last answer after a bounded wait.</summary>
    public static async Task<JsonElement> GetUntilAsync(HttpClient http, string path, Func<JsonElement, bool> done, string what)
    {
        JsonElement last = default;
        await Poll.UntilAsync(async () => done(last = await GetOkAsync(http, path)), what, context: () => $"the last answer was {last}");
        return last;
    }
}
