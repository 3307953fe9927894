using System.ComponentModel.DataAnnotations;

namespace Roomcast.Identity;

/// <summary>Section <c>Identity</c>.</summary>
public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>The public base URL of this service: the <c>iss</c> of its tokens and the base of its discovery document.</summary>
    [Required]
    public string Issuer { get; set; } = "";

    [Required]
    public string Audience { get; set; } = "roomcast";

    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
