using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.DocumentsApi.Http;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.DocumentsApi.Documents;

public static class DocumentEndpoints
{
    public static RouteGroupBuilder MapDocuments(this RouteGroupBuilder api)
    {
        api.MapPost("/roots/{rootId}/documents", CreateAsync);
        api.MapGet("/roots/{rootId}/documents", ListAsync);
        var documents = api.MapGroup("/documents");
        documents.MapGet("/{id}", GetAsync);
        documents.MapPut("/{id}", UpdateAsync);
        documents.MapDelete("/{id}", DeleteAsync);
        return api;
    }

    private static async Task<Results<Created<DocumentRecord>, ProblemHttpResult>> CreateAsync(
        Guid rootId, HttpRequest request, ClaimsPrincipal user, DocumentCommands documents, CancellationToken cancellationToken, bool? onBehalfOf = null)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        var (body, bodyProblem) = await JsonBody.ReadAsync<CreateDocumentRequest>(request, cancellationToken);
        if ((problem ?? originProblem ?? bodyProblem) is { } failure)
        {
            return failure;
        }

        var errors = new Dictionary<string, string[]>();
        if (DocumentRules.TypeProblem(body!.Type) is { } typeProblem)
        {
            errors["type"] = [typeProblem];
        }

        if (DocumentRules.DataProblem(body.Data) is { } dataProblem)
        {
            errors["data"] = [dataProblem];
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var outcome = await documents.CreateAsync(caller!, rootId, body, origin, cancellationToken);
        return outcome is Outcome<DocumentRecord>.Done done ? TypedResults.Created($"/api/v1/documents/{done.Value.Id}", done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<DocumentPage>, ProblemHttpResult>> ListAsync(
        Guid rootId, ClaimsPrincipal user, DocumentCommands documents, CancellationToken cancellationToken,
        string? type = null, Guid? parentId = null, int page = 1, int pageSize = 50)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf: null);
        if (problem is not null)
        {
            return problem;
        }

        if (DocumentRules.PagingProblem(page, pageSize) is { } pagingProblem)
        {
            return Problems.Invalid(page is < 1 or > DocumentRules.MaxPage ? "page" : "pageSize", pagingProblem);
        }

        if (type is not null && DocumentRules.TypeProblem(type) is { } typeProblem)
        {
            return Problems.Invalid("type", typeProblem);
        }

        var outcome = await documents.ListAsync(caller!, rootId, new DocumentQuery(type, parentId, page, pageSize), cancellationToken);
        return outcome is Outcome<DocumentPage>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<DocumentRecord>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, DocumentCommands documents, CancellationToken cancellationToken)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf: null);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await documents.GetAsync(caller!, id, cancellationToken);
        return outcome is Outcome<DocumentRecord>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<DocumentRecord>, ProblemHttpResult>> UpdateAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, DocumentCommands documents, CancellationToken cancellationToken, bool? onBehalfOf = null)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        var (body, bodyProblem) = await JsonBody.ReadAsync<UpdateDocumentRequest>(request, cancellationToken);
        if ((problem ?? originProblem ?? bodyProblem) is { } failure)
        {
            return failure;
        }

        if (DocumentRules.DataProblem(body!.Data) is { } dataProblem)
        {
            return Problems.Invalid("data", dataProblem);
        }

        var outcome = await documents.UpdateDataAsync(caller!, id, body.Data, body.ExpectedVersion, origin, cancellationToken);
        return outcome is Outcome<DocumentRecord>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, DocumentCommands documents, CancellationToken cancellationToken, bool? onBehalfOf = null)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        if ((problem ?? originProblem) is { } failure)
        {
            return failure;
        }

        var outcome = await documents.DeleteAsync(caller!, id, origin, cancellationToken);
        return outcome is Outcome<DocumentRecord>.Done ? TypedResults.NoContent() : Problems.For(outcome);
    }
}
