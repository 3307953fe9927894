using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Section <c>Delivery</c>: how the event consumers retry. An event that fails because Redis is away
/// (history or backplane) is retried for longer, to ride out an outage; any other failure (a message
/// that cannot be read or handled) is retried a few times and then moved to <c>&lt;queue&gt;_error</c>,
/// so the events behind it flow again.
/// </summary>
public sealed class DeliveryRetryOptions
{
    public const string Section = "Delivery";

    /// <summary>Retries of an event that failed for any reason but Redis being unreachable.</summary>
    [Range(0, 20)]
    public int RetryLimit { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries while Redis is unreachable; with the maximum interval, about how long an outage is ridden out before the event is dead-lettered.</summary>
    [Range(0, 1000)]
    public int OutageRetryLimit { get; set; } = 40;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan OutageRetryMaxInterval { get; set; } = TimeSpan.FromSeconds(10);
}
