using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Http;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.DocumentsApi.Permissions;

public static class PermissionEndpoints
{
    public static RouteGroupBuilder MapPermissions(this RouteGroupBuilder api)
    {
        var permissions = api.MapGroup("/roots/{rootId}/permissions");
        permissions.MapGet("/", ListAsync);
        permissions.MapPut("/users/{subjectId}", (Guid rootId, Guid subjectId, HttpRequest request, ClaimsPrincipal user, PermissionCommands commands, CancellationToken cancellationToken, bool? onBehalfOf) =>
            PutAsync(GrantSubject.User, rootId, subjectId, request, user, commands, onBehalfOf, cancellationToken));
        permissions.MapPut("/groups/{subjectId}", (Guid rootId, Guid subjectId, HttpRequest request, ClaimsPrincipal user, PermissionCommands commands, CancellationToken cancellationToken, bool? onBehalfOf) =>
            PutAsync(GrantSubject.Group, rootId, subjectId, request, user, commands, onBehalfOf, cancellationToken));
        permissions.MapDelete("/users/{subjectId}", (Guid rootId, Guid subjectId, HttpRequest request, ClaimsPrincipal user, PermissionCommands commands, CancellationToken cancellationToken, bool? onBehalfOf) =>
            DeleteAsync(GrantSubject.User, rootId, subjectId, request, user, commands, onBehalfOf, cancellationToken));
        permissions.MapDelete("/groups/{subjectId}", (Guid rootId, Guid subjectId, HttpRequest request, ClaimsPrincipal user, PermissionCommands commands, CancellationToken cancellationToken, bool? onBehalfOf) =>
            DeleteAsync(GrantSubject.Group, rootId, subjectId, request, user, commands, onBehalfOf, cancellationToken));
        return api;
    }

    private static async Task<Results<Ok<RootPermissions>, ProblemHttpResult>> ListAsync(
        Guid rootId, ClaimsPrincipal user, PermissionCommands commands, CancellationToken cancellationToken)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf: null);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await commands.ListAsync(caller!, rootId, cancellationToken);
        return outcome is Outcome<RootPermissions>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<object>, Created<object>, ProblemHttpResult>> PutAsync(
        GrantSubject subject, Guid rootId, Guid subjectId, HttpRequest request, ClaimsPrincipal user, PermissionCommands commands, bool? onBehalfOf, CancellationToken cancellationToken)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        var (body, bodyProblem) = await JsonBody.ReadAsync<PutPermissionRequest>(request, cancellationToken);
        if ((problem ?? originProblem ?? bodyProblem) is { } failure)
        {
            return failure;
        }

        if (!AccessLevels.TryParse(body!.Access, out var access))
        {
            return Problems.Invalid("access", $"access is required and {AccessLevels.Expected}.");
        }

        var outcome = await commands.PutAsync(caller!, subject, rootId, subjectId, access, origin, cancellationToken);
        return outcome switch
        {
            Outcome<Grant>.Done { Created: true } created => TypedResults.Created(request.Path, created.Value.ToRecord()),
            Outcome<Grant>.Done changed => TypedResults.Ok(changed.Value.ToRecord()),
            _ => Problems.For(outcome),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        GrantSubject subject, Guid rootId, Guid subjectId, HttpRequest request, ClaimsPrincipal user, PermissionCommands commands, bool? onBehalfOf, CancellationToken cancellationToken)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        if ((problem ?? originProblem) is { } failure)
        {
            return failure;
        }

        var outcome = await commands.DeleteAsync(caller!, subject, rootId, subjectId, origin, cancellationToken);
        return outcome is Outcome<Grant>.Done ? TypedResults.NoContent() : Problems.For(outcome);
    }
}
