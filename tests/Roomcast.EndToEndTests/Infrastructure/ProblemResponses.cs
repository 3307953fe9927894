using System.Net;
using System.Text.Json;
using Shouldly;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>Assertions on an RFC 7807 answer read straight from an <see cref="HttpResponseMessage"/>.</summary>
internal static class ProblemResponses
{
    /// <summary>Asserts the status, <c>application/problem+json</c> and the stable <paramref name="type"/>; returns the problem.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        problem.GetProperty("type").GetString().ShouldBe(type, body);
        return problem;
    }
}
