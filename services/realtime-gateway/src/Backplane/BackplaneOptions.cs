using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// Section <c>Redis</c>: the SignalR backplane. The gateway runs with it when <c>Redis__Endpoint</c>
/// is set, and as a single instance without it.
/// </summary>
public sealed class BackplaneOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string: a bare <c>host:port</c>, or endpoints with options,
    /// e.g. <c>redis-a:6379,redis-b:6379,password=…,ssl=true,serviceName=mymaster</c> (Sentinel).
    /// </summary>
    [Required]
    public string Endpoint { get; set; } = "";

    /// <summary>ACL user, with <see cref="Password"/>; never logged. Overrides <c>user=</c> of <see cref="Endpoint"/>.</summary>
    public string? User { get; set; }

    /// <summary>Sent with <c>AUTH</c> on every (re)connect; never logged. Overrides <c>password=</c> of <see cref="Endpoint"/>.</summary>
    public string? Password { get; set; }

    /// <summary>Starts every channel name, so several deployments can share one Redis.</summary>
    [Required]
    [RegularExpression("^[a-zA-Z0-9._:-]{1,64}$")]
    public string ChannelPrefix { get; set; } = "roomcast";

    /// <summary>How long connecting, and one command (a publish, a script), may wait for Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The longest pause between two reconnect attempts (at least the first pause, 50 ms).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The endpoints and options of <see cref="Endpoint"/> without the password, for logs and health answers.</summary>
    public string EndpointForLogs => ConfigurationOptions.Parse(Endpoint).ToString(includePassword: false);

    /// <summary>
    /// The configuration of the one multiplexer of an instance: <see cref="Endpoint"/> as given (password,
    /// TLS, Sentinel and the rest), and what the gateway needs whatever it says: it starts while Redis is
    /// away and connects in the background, and a command fails at once while Redis is unreachable
    /// instead of queueing, so the bus retries the event and local delivery goes on.
    /// </summary>
    public ConfigurationOptions RedisConfiguration(string serverName)
    {
        var configuration = ConfigurationOptions.Parse(Endpoint);
        if (User is not null)
        {
            configuration.User = User;
        }
        if (Password is not null)
        {
            configuration.Password = Password;
        }
        configuration.ClientName = $"gateway-{serverName}";
        // Channel names carry ChannelPrefix themselves (BackplaneChannels): the history's script
        // publishes by name inside Redis, where a client-side prefix would not be added.
        configuration.ChannelPrefix = default;
        configuration.AbortOnConnectFail = false;
        // RESP2 keeps subscriptions on a connection of their own, whose loss and return are what tell
        // this instance it may have missed announcements (BackplaneRedis, BackplaneGap); RESP3 may
        // share the command connection, where neither would be seen.
        configuration.Protocol = RedisProtocol.Resp2;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)CommandTimeout.TotalMilliseconds;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(50, (int)ReconnectMaxDelay.TotalMilliseconds);
        return configuration;
    }
}
