using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.ServiceDefaults.Http;

/// <summary>Problem details with the stable types of <see cref="ProblemTypes"/>.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string type, string detail) =>
        TypedResults.Problem(statusCode: status, type: type, detail: detail);

    public static ProblemHttpResult Invalid(IDictionary<string, string[]> errors, string detail = "The request has invalid values.") =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Type = ProblemTypes.InvalidValues,
            Detail = detail,
        });

    public static ProblemHttpResult Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult NoUser() =>
        Of(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthenticated, "The access token names no user.");

    /// <summary>The problem for any outcome but <see cref="Outcome{T}.Done"/>.</summary>
    public static ProblemHttpResult For<T>(Outcome<T> outcome) => outcome switch
    {
        Outcome<T>.NotFound notFound => Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"No {notFound.What}."),
        Outcome<T>.Forbidden forbidden => Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, forbidden.Why),
        Outcome<T>.Conflict conflict => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            type: ProblemTypes.Conflict,
            detail: conflict.Why,
            extensions: new Dictionary<string, object?> { ["currentVersion"] = conflict.CurrentVersion }),
        Outcome<T>.Invalid invalid => Invalid(invalid.Field, invalid.Message),
        _ => throw new InvalidOperationException($"{outcome} is not a failure."),
    };
}
