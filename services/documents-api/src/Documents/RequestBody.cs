using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Documents;

/// <summary>
/// Reads and validates a JSON body at the boundary: 415 for another media type, 400 for JSON that
/// does not parse, 422 for well-formed JSON with the wrong shape (unknown fields are refused).
/// Over-size bodies are refused by Kestrel's limit with 413.
/// </summary>
internal static class RequestBody
{
    public sealed record UpdateBody(JsonElement Data, ProblemHttpResult? Problem);

    public static async Task<UpdateBody> ReadUpdateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Invalid(DocumentEndpoints.Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Send the body as application/json."));
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return Invalid(DocumentEndpoints.Problem(StatusCodes.Status400BadRequest, ProblemTypes.MalformedRequest, $"The body is not valid JSON: {exception.Message}"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid(ShapeProblem("The body must be a JSON object {\"data\": ...}."));
            }

            var unknown = root.EnumerateObject().Select(property => property.Name).Where(name => name != "data").ToList();
            if (unknown.Count > 0)
            {
                return Invalid(ShapeProblem($"Unknown field(s): {string.Join(", ", unknown)}."));
            }

            if (!root.TryGetProperty("data", out var data) || data.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                return Invalid(ShapeProblem("The field 'data' is required and must not be null."));
            }

            return new UpdateBody(data.Clone(), null);
        }
    }

    private static UpdateBody Invalid(ProblemHttpResult problem) => new(default, problem);

    private static ProblemHttpResult ShapeProblem(string detail) =>
        DocumentEndpoints.Problem(StatusCodes.Status422UnprocessableEntity, ProblemTypes.InvalidValues, detail);
}
