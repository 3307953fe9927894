using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway;

/// <summary>Section <c>Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Names this instance's event queue; unique per running instance.</summary>
    [Required]
    [RegularExpression("^[a-zA-Z0-9._-]{1,64}$")]
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();
}
