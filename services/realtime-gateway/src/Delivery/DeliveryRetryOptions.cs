using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Section <c>Delivery</c>: how the event consumers retry a message that cannot be read or handled: a
/// few times, then it is moved to <c>&lt;queue&gt;_error</c>, so the events behind it flow again. Redis
/// away from the consuming instance is not retried here (<see cref="ConsumerTurn"/>).
/// </summary>
public sealed class DeliveryRetryOptions
{
    public const string Section = "Delivery";

    /// <summary>Retries of an event that failed for any reason but Redis being away.</summary>
    [Range(0, 20)]
    public int RetryLimit { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(5);
}
