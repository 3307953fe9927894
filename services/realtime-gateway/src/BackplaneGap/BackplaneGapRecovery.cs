using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;

namespace Roomcast.RealtimeGateway.BackplaneGap;

/// <summary>
/// When this instance's Redis subscription comes back after it was lost (a reconnect, a Redis restart or
/// failover: <see cref="BackplaneRedis.SubscriberReconnected"/>), everything it heard may be incomplete:
/// announcements (events its connections never got), group room moves and root access changes (rooms
/// its connections should have left or entered). So it counts and logs the gap, forgets every cached
/// root-access answer (a lost change would have dropped some), and tells every local connection to
/// reconnect and <c>Resume</c> (<see cref="CloseReasons.MissedEvents"/>): on reconnect the hub derives
/// its rooms anew from the membership projection in Redis, which pub/sub does not feed, and the
/// <c>root:</c> rooms it joins are asked again. Live delivery to the connections it had stops as soon as
/// the subscription is lost (<see cref="BackplaneRedis.SubscriberLost"/>), so a stale room leaks
/// nothing, not even in the moments between the library's subscribing again and this recovery; their
/// closes are spread over <see cref="BackplaneGapOptions.ReconnectWindow"/> once it is back.
/// Presence repairs itself (it asks every instance for its state after a reconnect).
/// </summary>
/// <remarks>
/// Connections that connected during the gap are told too: what they heard since their own
/// <c>Resume</c> came over the same deaf subscription, and a root they joined meanwhile may have been
/// revoked unheard. Connections that connect after the subscription is back are not: the library sent
/// the subscriptions again before it said the connection is back, so they hear what follows.
/// </remarks>
public sealed partial class BackplaneGapRecovery(
    BackplaneRedis redis,
    LocalConnections connections,
    RootReadAccess rootAccess,
    BackplaneMetrics metrics,
    IOptions<BackplaneGapOptions> options,
    ILogger<BackplaneGapRecovery> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.SubscriberLost += OnLost;
        redis.SubscriberReconnected += OnGap;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        redis.SubscriberLost -= OnLost;
        redis.SubscriberReconnected -= OnGap;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Nothing more is written to the connections of this instance: the library subscribes again before
    /// it says the subscription is back, so what it hears then could reach a room that changed unheard.
    /// They are told why when the subscription is back (<see cref="OnGap"/>), when they can reconnect.
    /// </summary>
    private void OnLost() => LogLost(connections.HoldAll());

    private void OnGap(TimeSpan away)
    {
        metrics.Gap(away);
        var answers = rootAccess.ForgetAll();
        var window = options.Value.ReconnectWindow;
        var told = connections.ReconnectAll(CloseReasons.MissedEvents, window);
        LogGap(away, told, window, answers);
    }

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneGapStarted, Level = LogLevel.Warning,
        Message = "The Redis subscription is lost: this instance hears nothing the others publish until it is back; its {Connections} local connections get nothing more until they are told to reconnect then")]
    private partial void LogLost(int connections);

    [LoggerMessage(EventId = GatewayLogEvents.BackplaneGap, Level = LogLevel.Warning,
        Message = "The Redis subscription was away for {Away}: what was published meanwhile never reached this instance. {Connections} local connections are told to reconnect and resume (spread over {Window}); {Answers} cached root-access answers dropped")]
    private partial void LogGap(TimeSpan away, int connections, TimeSpan window, int answers);
}
