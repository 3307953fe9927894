using System.ComponentModel.DataAnnotations;
using Roomcast.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// Section <c>Redis</c>: the SignalR backplane. The gateway runs with it when <c>Redis__Endpoint</c>
/// is set, and as a single instance without it.
/// </summary>
public sealed class BackplaneOptions
{
    public const string Section = "Redis";

    /// <summary><c>host:port</c> of Redis.</summary>
    [Required]
    public string Endpoint { get; set; } = "";

    /// <summary>ACL user, with <see cref="Password"/>; never logged.</summary>
    public string? User { get; set; }

    /// <summary>Sent with <c>AUTH</c> on every (re)connect; never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Starts every channel name, so several deployments can share one Redis.</summary>
    [Required]
    [RegularExpression("^[a-zA-Z0-9._:-]{1,64}$")]
    public string ChannelPrefix { get; set; } = "roomcast";

    /// <summary>How long adding or removing a connection of another instance to or from a group may wait for that instance's acknowledgement.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one command (a publish) may wait for Redis's reply.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The longest pause between two reconnect attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    internal RedisOptions ClientOptions(string clientName) => new()
    {
        Endpoint = Endpoint,
        User = User,
        Password = Password,
        ClientName = clientName,
        CommandTimeout = CommandTimeout,
        ConnectTimeout = CommandTimeout,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = ReconnectMaxDelay,
    };
}
