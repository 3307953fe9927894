using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.BackplaneGap;

/// <summary>Section <c>BackplaneGap</c>: how an instance makes its clients resume after its Redis subscription was away (<see cref="BackplaneGapRecovery"/>).</summary>
public sealed class BackplaneGapOptions
{
    public const string Section = "BackplaneGap";

    /// <summary>
    /// The close messages to this instance's connections go out spread evenly over this window, so they
    /// do not all reconnect and <c>Resume</c> in the same millisecond; zero sends them all at once. Live
    /// delivery to those connections stops at once either way.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReconnectWindow { get; set; } = TimeSpan.FromSeconds(2);
}
