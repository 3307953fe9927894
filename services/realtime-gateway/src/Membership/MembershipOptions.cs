using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// Section <c>Membership</c>: where the gateway asks identity for the groups of a user its projection
/// has never heard of (see <see cref="BackfilledUserGroups"/>).
/// </summary>
public sealed class MembershipOptions
{
    public const string Section = "Membership";

    /// <summary>identity's base URL; empty means <c>Jwt__Authority</c>, which is identity.</summary>
    [Url]
    public string? IdentityUrl { get; set; }

    /// <summary>How long the background question to identity may take before it is given up (and asked again on the next connect).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan IdentityTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
