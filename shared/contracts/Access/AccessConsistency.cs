using System.Globalization;

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

    /// <summary>
    /// <c>GET /api/v1/roots/{id}</c> with this header set to <see cref="AsReader"/> is answered by the
    /// caller's grants and groups alone, as if the caller were not an admin. The gateway asks only about
    /// connections it holds as non-admins: an admin role it has not heard of yet, or a demotion
    /// documents-api has not applied yet, then never lets a connection into a root as a reader could
    /// not enter it (a promotion the gateway hears later lets it join any room).
    /// </summary>
    public const string AsReaderHeader = "Roomcast-As-Reader";

    /// <summary>The one value <see cref="AsReaderHeader"/> takes.</summary>
    public const string AsReader = "true";

    /// <summary>
    /// The version a group's deletion stands for: later than any membership change of the group, so
    /// only a projection that has applied the deletion satisfies it.
    /// </summary>
    public const long GroupDeletedVersion = long.MaxValue;

    /// <summary>Most group versions one request may name (the header is a comma-separated list).</summary>
    public const int MaxAfterMemberships = 32;

    /// <summary>One element of the header: <c>{groupId:D}:{membershipVersion}</c>.</summary>
    public static string AfterMembership(Guid groupId, long membershipVersion) =>
        $"{groupId:D}:{membershipVersion.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Reads one element of the header; <c>false</c> unless it is <c>{groupId:D}:{version ≥ 1}</c>.</summary>
    public static bool TryParseAfterMembership(string element, out Guid groupId, out long membershipVersion)
    {
        groupId = Guid.Empty;
        membershipVersion = 0;
        var colon = element.IndexOf(':');
        return colon > 0
            && Guid.TryParseExact(element.AsSpan(0, colon).Trim(), "D", out groupId)
            && long.TryParse(element.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out membershipVersion)
            && membershipVersion >= 1;
    }
}
