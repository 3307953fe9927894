using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Hubs;

/// <summary>Section <c>Hub</c>: what one connection may send, and how many one user may hold.</summary>
public sealed class HubLimitsOptions
{
    public const string Section = "Hub";

    /// <summary>The largest message a client may send, in bytes; a larger one closes the connection (SignalR's own rule).</summary>
    [Range(256, 1024 * 1024)]
    public int MaximumReceiveMessageSize { get; set; } = 8 * 1024;

    /// <summary>Client calls a connection may make per second, sustained.</summary>
    [Range(0.1, 10_000)]
    public double CallsPerSecond { get; set; } = 10;

    /// <summary>Connections one user may hold on one instance; one more is refused with the reason.</summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerUser { get; set; } = 50;

    /// <summary>Client calls a connection may make at once after a quiet spell.</summary>
    [Range(1, 10_000)]
    public int CallBurst { get; set; } = 20;
}
