using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Client;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Documents;

public static class DocumentEndpoints
{
    private const int MaxOriginConnectionIdLength = 128;

    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder endpoints)
    {
        var documents = endpoints.MapGroup("/api/v1/documents").RequireAuthorization();
        documents.MapPut("/{id:guid}", UpdateAsync);
        return endpoints;
    }

    private static async Task<Results<Ok<DocumentResponse>, ProblemHttpResult>> UpdateAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, DocumentUpdater updater, CancellationToken cancellationToken)
    {
        if (user.UserId() is not { } userId)
        {
            return Problem(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthenticated, "The access token names no user.");
        }

        var body = await RequestBody.ReadUpdateAsync(request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var origin = request.Headers[ClientMethods.OriginConnectionHeader].ToString();
        if (origin.Length > MaxOriginConnectionIdLength)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, ProblemTypes.InvalidValues, $"{ClientMethods.OriginConnectionHeader} is longer than {MaxOriginConnectionIdLength} characters.");
        }

        var outcome = await updater.UpdateDataAsync(new Caller(userId, user.IsAdmin()), id, body.Data, origin.Length == 0 ? null : origin, cancellationToken);
        return outcome switch
        {
            UpdateOutcome.Updated updated => TypedResults.Ok(DocumentResponse.From(updated.Document)),
            UpdateOutcome.Forbidden => Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "You may read this document but not change it."),
            _ => Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"No document {id}."),
        };
    }

    internal static ProblemHttpResult Problem(int status, string type, string detail) =>
        TypedResults.Problem(statusCode: status, type: type, detail: detail);
}

public sealed record DocumentResponse(Guid Id, Guid RootId, Guid AuthorId, string Type, Guid? ParentId, JsonElement Data, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version)
{
    public static DocumentResponse From(Document d) => new(d.Id, d.RootId, d.AuthorId, d.Type, d.ParentId, d.Data, d.CreatedAt, d.UpdatedAt, d.Version);
}
