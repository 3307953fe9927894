using System.ComponentModel.DataAnnotations;
using Roomcast.Contracts.Rooms;

namespace Roomcast.RealtimeGateway.Presence;

/// <summary>Section <c>Presence</c>: room counts (<c>CONNECTED_CLIENTS</c>) and presence (<c>PRESENCE</c>).</summary>
public sealed class PresenceOptions : IValidatableObject
{
    public const string Section = "Presence";

    /// <summary>
    /// The coalescing window: at most one <c>CONNECTED_CLIENTS</c> update per admin connection, one
    /// announcement of this instance's changes to the others, and presence decided once, per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often an instance tells the others it is alive (and which version of its counts they should hold).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// An instance not heard from for this long is taken as dead: its connections leave the counts
    /// and its users whom no other instance holds go offline. Several heartbeats long, so one lost
    /// heartbeat is no death.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan InstanceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The kinds of room (comma-separated: <c>group</c>, <c>root</c>, <c>all</c>, <c>admin</c>) through
    /// which a user's online / offline reaches the others in them.
    /// </summary>
    [Required]
    [RegularExpression("^ *(group|root|all|admin)( *, *(group|root|all|admin))* *$")]
    public string RoomKinds { get; set; } = "group,root";

    /// <summary><see cref="RoomKinds"/> parsed.</summary>
    public IReadOnlySet<RoomKind> SharedRoomKinds() =>
        RoomKinds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(kind => Enum.Parse<RoomKind>(kind, ignoreCase: true))
            .ToHashSet();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InstanceTimeout < HeartbeatInterval * 2)
        {
            yield return new ValidationResult(
                $"{nameof(InstanceTimeout)} ({InstanceTimeout}) must be at least twice {nameof(HeartbeatInterval)} ({HeartbeatInterval}), or one late heartbeat drops a live instance.",
                [nameof(InstanceTimeout)]);
        }
    }
}
