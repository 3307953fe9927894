using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.ServiceDefaults.Http;

/// <summary>
/// Reads a JSON body at the boundary: 415 for another media type, 400 for JSON that does not parse,
/// 422 for well-formed JSON of the wrong shape (unknown fields and wrong types are refused). Bodies
/// over the size limit are refused by Kestrel with 413 before they get here.
/// </summary>
public static partial class JsonBody
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    /// <summary>The field and a message a client can act on, without our type names or byte offsets.</summary>
    private static (string Field, string Message) Describe(JsonException exception)
    {
        var unknown = UnknownField().Match(exception.Message);
        if (unknown.Success)
        {
            return (unknown.Groups[1].Value, "Unknown field.");
        }

        var field = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "$";
        return (field, "Has the wrong type or format.");
    }

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnknownField();

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Send the body as application/json."));
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedRequest, $"The body is not valid JSON: {exception.Message}"));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.Invalid("$", "The body must be a JSON object."));
            }

            try
            {
                var value = document.RootElement.Deserialize<T>(Options);
                return value is null ? (null, Problems.Invalid("$", "The body must be a JSON object.")) : (value, null);
            }
            catch (JsonException exception)
            {
                var (field, message) = Describe(exception);
                return (null, Problems.Invalid(field, message));
            }
        }
    }
}
