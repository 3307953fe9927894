using System.ComponentModel.DataAnnotations;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>
/// Section <c>OutboundBuffer</c>: how far one connection may fall behind the events addressed to it
/// before it is closed and told to reconnect and resume (<see cref="ConnectionOutbox"/>). Messages are
/// shared by every connection they go to, so a full buffer holds references, not copies.
/// </summary>
public sealed class OutboundBufferOptions
{
    public const string Section = "OutboundBuffer";

    /// <summary>Messages that may wait behind the one being written.</summary>
    [Range(1, 1_000_000)]
    public int MaxMessages { get; set; } = 4096;

    /// <summary>Bytes (as the JSON protocol writes them) that may wait behind the one being written.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long a connection told to reconnect (it fell behind, or its instance may have missed events) has to read the close message before it is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CloseGrace { get; set; } = TimeSpan.FromSeconds(5);
}
