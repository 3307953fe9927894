using Roomcast.Contracts.Client;

namespace Roomcast.RealtimeGateway.Connections;

/// <summary>
/// Closes each connection when the access token it proved itself with expires, with
/// <see cref="CloseReasons.TokenExpired"/> (the client refreshes its token, reconnects and resumes): once
/// every <see cref="Interval"/> it passes over this instance's connections, so an idle connection costs one
/// number and no timer of its own, and a connection outlives its token by less than the interval.
/// </summary>
internal sealed partial class TokenExpirySweep(LocalConnections connections, TimeProvider time, ILogger<TokenExpirySweep> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var connectionId in connections.CloseExpired(time.GetUtcNow(), CloseReasons.TokenExpired))
            {
                LogExpired(connectionId);
            }
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.TokenExpiredClosing, Level = LogLevel.Information, Message = "Connection {ConnectionId}: its access token expired; closing it (the client refreshes and reconnects)")]
    private partial void LogExpired(string connectionId);
}
