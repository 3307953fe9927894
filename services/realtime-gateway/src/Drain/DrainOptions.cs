using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Drain;

/// <summary>Section <c>Drain</c>: how an instance sent SIGTERM lets its clients go before it stops (<see cref="GatewayDrain"/>).</summary>
public sealed class DrainOptions
{
    public const string Section = "Drain";

    /// <summary>
    /// The close messages to this instance's connections go out spread evenly over this window, so they
    /// do not all reconnect elsewhere and <c>Resume</c> in the same millisecond; zero sends them all at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReconnectWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest the instance waits, from SIGTERM, for its connections to be gone before the host
    /// stops anyway. With the preStop pause and the host's own shutdown it stays within the pod's
    /// termination grace period (k8s: 5 s + this + at most 30 s &lt; 60 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);
}
