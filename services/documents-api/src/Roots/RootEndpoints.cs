using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Access;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Http;
using Roomcast.DocumentsApi.Projection;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.DocumentsApi.Roots;

public static class RootEndpoints
{
    public static RouteGroupBuilder MapRoots(this RouteGroupBuilder api)
    {
        var roots = api.MapGroup("/roots");
        roots.MapPost("/", CreateAsync);
        roots.MapGet("/", ListAsync);
        roots.MapGet("/{id}", GetAsync);
        roots.MapPatch("/{id}", PatchAsync);
        roots.MapDelete("/{id}", DeleteAsync);
        return api;
    }

    private static async Task<Results<Created<RootRecord>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, RootCommands roots, CancellationToken cancellationToken, bool? onBehalfOf = null)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        var (body, bodyProblem) = await JsonBody.ReadAsync<CreateRootRequest>(request, cancellationToken);
        if ((problem ?? originProblem ?? bodyProblem) is { } failure)
        {
            return failure;
        }

        if (RootRules.Problems(body!.Name, nameRequired: true, body.SharedAccess) is { Count: > 0 } errors)
        {
            return Problems.Invalid(errors);
        }

        var shared = body.SharedAccess is null ? AccessLevel.None : AccessLevels.Parse(body.SharedAccess);
        var outcome = await roots.CreateAsync(caller!, body.Name!.Trim(), shared, origin, cancellationToken);
        return outcome is Outcome<RootRecord>.Done done ? TypedResults.Created($"/api/v1/roots/{done.Value.Id}", done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<IReadOnlyList<RootRecord>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, RootCommands roots, CancellationToken cancellationToken)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf: null);
        return problem ?? (Results<Ok<IReadOnlyList<RootRecord>>, ProblemHttpResult>)TypedResults.Ok(await roots.ListAsync(caller!, cancellationToken));
    }

    /// <summary>
    /// A root the caller can read; with <see cref="AccessConsistency.AfterMembershipHeader"/>, only once the
    /// membership projection has applied the changes it names (else 503, see <see cref="MembershipConsistency"/>);
    /// with <see cref="AccessConsistency.AsReaderHeader"/>, by the caller's grants and groups alone.
    /// </summary>
    private static async Task<Results<Ok<RootRecord>, ProblemHttpResult>> GetAsync(
        Guid id, HttpContext http, ClaimsPrincipal user, RootCommands roots, MembershipProjectionStore projection, CancellationToken cancellationToken)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf: null);
        if (problem is not null)
        {
            return problem;
        }

        var asReader = http.Request.Headers[AccessConsistency.AsReaderHeader];
        if (asReader.Count > 0)
        {
            if (asReader.Count > 1 || asReader[0] != AccessConsistency.AsReader)
            {
                return Problems.Invalid(AccessConsistency.AsReaderHeader, $"Expected '{AccessConsistency.AsReader}' once, or no header.");
            }

            caller = caller! with { IsAdmin = false };
        }

        if (await MembershipConsistency.NotYetAppliedAsync(http, caller!.UserId, projection, cancellationToken) is { } notYet)
        {
            return notYet;
        }

        var outcome = await roots.GetAsync(caller!, id, cancellationToken);
        return outcome is Outcome<RootRecord>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<RootRecord>, ProblemHttpResult>> PatchAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, RootCommands roots, CancellationToken cancellationToken, bool? onBehalfOf = null)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        var (body, bodyProblem) = await JsonBody.ReadAsync<PatchRootRequest>(request, cancellationToken);
        if ((problem ?? originProblem ?? bodyProblem) is { } failure)
        {
            return failure;
        }

        if (RootRules.Problems(body!.Name, nameRequired: false, body.SharedAccess) is { Count: > 0 } errors)
        {
            return Problems.Invalid(errors);
        }

        var outcome = await roots.PatchAsync(caller!, id, body with { Name = body.Name?.Trim() }, origin, cancellationToken);
        return outcome is Outcome<RootRecord>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, RootCommands roots, CancellationToken cancellationToken, bool? onBehalfOf = null)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf);
        var (origin, originProblem) = RequestContext.OriginOf(request);
        if ((problem ?? originProblem) is { } failure)
        {
            return failure;
        }

        var outcome = await roots.DeleteAsync(caller!, id, origin, cancellationToken);
        return outcome is Outcome<RootRecord>.Done ? TypedResults.NoContent() : Problems.For(outcome);
    }
}
