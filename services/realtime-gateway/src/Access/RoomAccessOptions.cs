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

    /// <summary>How long a "yes" is reused for the same user and root (a "no" never is). A change to the root's grants drops it at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a user leaves a group, how long the gateway keeps asking documents-api (with backoff) until
    /// documents-api has applied that departure itself: it learns of it from the same identity event, on
    /// its own queue. Meanwhile the user's connections stay out of the root rooms they joined; after it,
    /// they stay out for good (the client may <c>JOIN_ROOM</c> again).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MembershipCatchUpTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a user's group departure is remembered, unless documents-api confirms it applied it
    /// sooner: until then every question about that user (a <c>JOIN_ROOM</c> too) asks for an answer no
    /// older than the departure.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MembershipDepartureRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many rechecks of one user's root rooms this instance asks documents-api at once (after a group
    /// departure every root room of every connection of the user is asked about). Keep it below
    /// documents-api's <c>MaxConcurrentRequestsPerUser</c> (default 8): the user's own requests share that limit.
    /// </summary>
    [Range(1, 16)]
    public int RechecksPerUser { get; set; } = 2;

    /// <summary>How long one question to documents-api may take before the join is refused as "cannot check now".</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);
}
