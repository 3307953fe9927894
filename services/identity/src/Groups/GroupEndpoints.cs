using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.Identity.Groups;

public static class GroupEndpoints
{
    public static RouteGroupBuilder MapGroups(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups").RequireAuthorization(IdentityPolicies.Admin);
        groups.MapPost("/", CreateAsync);
        groups.MapGet("/", (GroupCommands commands, CancellationToken cancellationToken) => ListOfAsync(null, commands, cancellationToken));
        groups.MapGet("/{id}", GetAsync);
        groups.MapPatch("/{id}", RenameAsync);
        groups.MapDelete("/{id}", DeleteAsync);
        groups.MapPut("/{id}/members/{userId}", (Guid id, Guid userId, ClaimsPrincipal user, GroupCommands commands, CancellationToken cancellationToken) =>
            SetMemberAsync(id, userId, member: true, user, commands, cancellationToken));
        groups.MapDelete("/{id}/members/{userId}", (Guid id, Guid userId, ClaimsPrincipal user, GroupCommands commands, CancellationToken cancellationToken) =>
            SetMemberAsync(id, userId, member: false, user, commands, cancellationToken));
        return api;
    }

    /// <summary>Every group, or the groups of one user.</summary>
    internal static async Task<Ok<IReadOnlyList<GroupResponse>>> ListOfAsync(Guid? memberId, GroupCommands groups, CancellationToken cancellationToken) =>
        TypedResults.Ok(await groups.ListAsync(memberId, cancellationToken));

    private static async Task<Results<Created<GroupResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, GroupCommands groups, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<GroupRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (GroupRules.NameProblem(body!.Name) is { } nameProblem)
        {
            return Problems.Invalid("name", nameProblem);
        }

        var group = await groups.CreateAsync(user.UserId()!.Value, body.Name!.Trim(), cancellationToken);
        return TypedResults.Created($"/api/v1/groups/{group.Id}", group);
    }

    private static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> GetAsync(Guid id, GroupCommands groups, CancellationToken cancellationToken)
    {
        var outcome = await groups.GetAsync(id, cancellationToken);
        return outcome is Outcome<GroupResponse>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<Ok<GroupResponse>, ProblemHttpResult>> RenameAsync(
        Guid id, HttpRequest request, ClaimsPrincipal user, GroupCommands groups, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<GroupRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (GroupRules.NameProblem(body!.Name) is { } nameProblem)
        {
            return Problems.Invalid("name", nameProblem);
        }

        var outcome = await groups.RenameAsync(user.UserId()!.Value, id, body.Name!.Trim(), cancellationToken);
        return outcome is Outcome<GroupResponse>.Done done ? TypedResults.Ok(done.Value) : Problems.For(outcome);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, ClaimsPrincipal user, GroupCommands groups, CancellationToken cancellationToken)
    {
        var outcome = await groups.DeleteAsync(user.UserId()!.Value, id, cancellationToken);
        return outcome is Outcome<GroupResponse>.Done ? TypedResults.NoContent() : Problems.For(outcome);
    }

    private static async Task<Results<Ok<MembershipResponse>, Created<MembershipResponse>, NoContent, ProblemHttpResult>> SetMemberAsync(
        Guid id, Guid userId, bool member, ClaimsPrincipal user, GroupCommands groups, CancellationToken cancellationToken)
    {
        var outcome = await groups.SetMemberAsync(user.UserId()!.Value, id, userId, member, cancellationToken);
        return outcome switch
        {
            Outcome<MembershipResponse>.Done { Created: true } added => TypedResults.Created($"/api/v1/groups/{id}/members/{userId}", added.Value),
            Outcome<MembershipResponse>.Done when !member => TypedResults.NoContent(),
            Outcome<MembershipResponse>.Done done => TypedResults.Ok(done.Value),
            _ => Problems.For(outcome),
        };
    }
}
