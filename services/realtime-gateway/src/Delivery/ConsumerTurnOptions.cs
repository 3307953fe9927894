using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Section <c>Delivery</c>: when an instance that gave up consuming because Redis was away from it
/// (<see cref="ConsumerTurn"/>) takes its turn again.
/// </summary>
public sealed class ConsumerTurnOptions
{
    public const string Section = "Delivery";

    /// <summary>How often an instance that gave up its turn asks Redis whether it answers again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RedisProbeInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long Redis must have answered every probe before the instance consumes again, so a flapping link does not flap the consumer.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RejoinAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long stopping the event endpoint may take after the instance gave up its turn before the
    /// instance reports itself not live on <c>/health/live</c> (an orchestrator then restarts it: nothing
    /// else gets it consuming again).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan StopDeadline { get; set; } = TimeSpan.FromMinutes(2);
}
