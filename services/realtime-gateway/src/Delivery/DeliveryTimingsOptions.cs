using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Section <c>DeliveryTimings</c>: how often the delivery stage summary is logged.</summary>
public sealed class DeliveryTimingsOptions
{
    public const string Section = "DeliveryTimings";

    /// <summary>How often the per-stage summary of the events delivered meanwhile is logged (nothing is logged for an interval without events); zero turns the summary off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan LogInterval { get; set; } = TimeSpan.FromSeconds(10);
}
