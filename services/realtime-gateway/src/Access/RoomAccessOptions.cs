using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>Section <c>RoomAccess</c>: how the gateway asks documents-api whether a user may read a root.</summary>
public sealed class RoomAccessOptions
{
    public const string Section = "RoomAccess";

    /// <summary>documents-api's base address, e.g. <c>http://127.0.0.1:5102</c>.</summary>
    [Required]
    [Url]
    public string DocumentsApiUrl { get; set; } = "";

    /// <summary>How long an answer is reused for the same user and root. A change to the root's grants drops it at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a user leaves a group, how long to wait before asking documents-api again whether they may
    /// still read the roots they joined: documents-api learns of the departure from the same identity
    /// event, on its own queue, and must have applied it first. Until then the connections stay out.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan MembershipRecheckDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one question to documents-api may take before the join is refused as "cannot check now".</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);
}
