namespace Roomcast.Contracts.Access;

/// <summary>
/// How the gateway asks documents-api about access no older than a membership change it has seen:
/// <c>GET /api/v1/roots/{id}</c> with <see cref="AfterMembershipHeader"/> set to
/// <c>{groupId:D}:{membershipVersion}</c> is answered only once documents-api's own projection has
/// applied that version of the caller's membership of that group (or a newer one); until then it
/// answers 503 with problem type <c>membership-not-yet-applied</c> and a <c>Retry-After</c>.
/// </summary>
public static class AccessConsistency
{
    public const string AfterMembershipHeader = "Roomcast-After-Membership";
}
