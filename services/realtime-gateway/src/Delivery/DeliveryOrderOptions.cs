using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Section <c>Delivery</c>: how many events the consuming instance works on at once. They still reach
/// clients in order (<see cref="DeliveryOrder"/>); more in flight lets one event's Redis round trips
/// overlap the next ones', 1 consumes strictly one after the other.
/// </summary>
public sealed class DeliveryOrderOptions
{
    public const string Section = "Delivery";

    [Range(1, 64)]
    public int EventsInFlight { get; set; } = 16;

    /// <summary>How long a delivery waits for one before it that RabbitMQ numbered but that never arrived, before going on without it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan UnseenTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
