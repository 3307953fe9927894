using System.Net;
using System.Text.Json;
using Shouldly;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>What a service answered to one request, with the request named for assertion messages.</summary>
internal sealed record Answer(
    string Request, HttpStatusCode Status, string? MediaType, string Body, string? RetryAfter, string WwwAuthenticate, string? Location, string? ServerLog = null)
{
    /// <summary>The base of every stable problem <c>type</c>; a kind such as <c>not-found</c> follows it.</summary>
    public const string ProblemTypeBase = "https://roomcast.dev/problems/";

    public JsonElement Json => JsonSerializer.Deserialize<JsonElement>(Body);

    public string Describe() =>
        $"{Request} → {(int)Status} {MediaType}" +
        (RetryAfter is null ? "" : $" Retry-After: {RetryAfter}") +
        (WwwAuthenticate.Length == 0 ? "" : $" WWW-Authenticate: {WwwAuthenticate}") +
        $": {(Body.Length <= 2000 ? Body : Body[..2000] + "…")}" +
        (ServerLog is null ? "" : $"{Environment.NewLine}service log (tail):{Environment.NewLine}{ServerLog}");

    /// <summary>Asserts the status (and a JSON body for a 2xx with content); returns the body.</summary>
    public JsonElement ShouldBe(HttpStatusCode status, string? because = null)
    {
        Status.ShouldBe(status, because is null ? Describe() : $"{because}: {Describe()}");
        if (Body.Length == 0)
        {
            return default;
        }

        if ((int)status is >= 200 and < 300)
        {
            MediaType.ShouldBe("application/json", Describe());
        }

        return Json;
    }

    /// <summary>Asserts an RFC 7807 answer: status, <c>application/problem+json</c>, the stable type and the status in the body.</summary>
    public JsonElement ShouldBeProblem(HttpStatusCode status, string kind)
    {
        Status.ShouldBe(status, Describe());
        MediaType.ShouldBe("application/problem+json", Describe());
        var problem = Json;
        problem.ValueKind.ShouldBe(JsonValueKind.Object, Describe());
        problem.TryGetProperty("type", out var type).ShouldBeTrue(Describe());
        type.GetString().ShouldBe(ProblemTypeBase + kind, Describe());
        if (problem.TryGetProperty("status", out var statusInBody))
        {
            statusInBody.GetInt32().ShouldBe((int)status, Describe());
        }

        return problem;
    }

    /// <summary>Asserts a 422 <c>invalid-values</c> problem whose <c>errors</c> name <paramref name="field"/>.</summary>
    public JsonElement ShouldBeInvalid(string field)
    {
        var problem = ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
        problem.TryGetProperty("errors", out var errors).ShouldBeTrue(Describe());
        errors.EnumerateObject().Select(error => error.Name).ShouldContain(name => string.Equals(name, field, StringComparison.OrdinalIgnoreCase), Describe());
        return problem;
    }
}
