using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Events.Identity;
using Roomcast.DocumentsApi.Http;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Reconciliation;

/// <summary>The check command of the membership projection: admins ask for a reconciliation now, and read the last one.</summary>
public static class ReconciliationEndpoints
{
    public static RouteGroupBuilder MapReconciliation(this RouteGroupBuilder api)
    {
        var membership = api.MapGroup("/admin/membership");
        membership.MapPost("/reconcile", ReconcileAsync);
        membership.MapGet("/reconciliation", LatestAsync);
        return api;
    }

    private static async Task<Results<Accepted<MembershipSnapshotRequested>, ProblemHttpResult>> ReconcileAsync(
        ClaimsPrincipal user, MembershipSnapshotRequests requests, CancellationToken cancellationToken)
    {
        if (AdminProblem(user) is { } problem)
        {
            return problem;
        }

        var request = await requests.RequestAsync(MembershipSnapshotReasons.Admin, cancellationToken);
        return TypedResults.Accepted("/api/v1/admin/membership/reconciliation", request);
    }

    private static async Task<Results<Ok<ReconciliationReport>, ProblemHttpResult>> LatestAsync(
        ClaimsPrincipal user, ReconciliationStore reports, CancellationToken cancellationToken)
    {
        if (AdminProblem(user) is { } problem)
        {
            return problem;
        }

        return await reports.LatestAsync(cancellationToken) is { } report
            ? TypedResults.Ok(report)
            : Problems.Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "No membership snapshot has been applied yet.");
    }

    private static ProblemHttpResult? AdminProblem(ClaimsPrincipal user)
    {
        var (caller, problem) = RequestContext.CallerOf(user, onBehalfOf: null);
        return problem ?? (caller!.IsAdmin ? null : Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Only admins may check the membership projection."));
    }
}
