using Microsoft.AspNetCore.Http.HttpResults;
using Roomcast.Contracts.Access;
using Roomcast.ServiceDefaults.Http;
using Roomcast.ServiceDefaults.Problems;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>
/// <see cref="AccessConsistency.AfterMembershipHeader"/>: a caller (the gateway) that has seen a change
/// of the caller's membership of a group asks for an answer no older than it. Until this instance's
/// projection has applied that version of the membership (or a newer one, or the group's deletion) the
/// answer is 503 <see cref="ProblemTypes.MembershipNotYetApplied"/> with a <c>Retry-After</c>, never an
/// answer from the stale projection.
/// </summary>
public static class MembershipConsistency
{
    private const string RetryAfterSeconds = "1";

    /// <summary>The problem that stops the request, or <c>null</c> when it names nothing this projection has not applied.</summary>
    public static async Task<ProblemHttpResult?> NotYetAppliedAsync(HttpContext http, Guid userId, MembershipProjectionStore projection, CancellationToken cancellationToken)
    {
        var values = http.Request.Headers[AccessConsistency.AfterMembershipHeader];
        if (values.Count == 0)
        {
            return null;
        }

        var wanted = new List<(Guid Group, long Version)>();
        foreach (var element in values.SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!AccessConsistency.TryParseAfterMembership(element, out var group, out var version))
            {
                return Problems.Invalid(AccessConsistency.AfterMembershipHeader, "Expected a comma-separated list of {groupId}:{membershipVersion}.");
            }

            wanted.Add((group, version));
        }

        if (wanted.Count > AccessConsistency.MaxAfterMemberships)
        {
            return Problems.Invalid(AccessConsistency.AfterMembershipHeader, $"At most {AccessConsistency.MaxAfterMemberships} group versions.");
        }

        if (wanted.Count == 0 || await projection.HasAppliedAsync(userId, wanted, cancellationToken))
        {
            return null;
        }

        http.Response.Headers.RetryAfter = RetryAfterSeconds;
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.MembershipNotYetApplied,
            "This service has not yet applied the membership change named in " + AccessConsistency.AfterMembershipHeader + "; ask again shortly.");
    }
}
