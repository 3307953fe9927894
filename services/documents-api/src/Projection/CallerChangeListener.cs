using Npgsql;
using Roomcast.Postgres;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>
/// Holds a LISTEN on <see cref="Channel"/> and tells <see cref="RememberedCallers"/> of every caller
/// whose projection changed, on every instance (the projection's consumers run on one instance per
/// event; the database's NOTIFY reaches all). The cache remembers only while this LISTEN is known to be
/// alive: it is probed with a query after every <see cref="ProbeInterval"/> without a notification,
/// each answer (or notification) proves it alive for <see cref="RememberedCallers.LivenessWindow"/>, and
/// a failed probe or a lost connection stops the remembering until the LISTEN is back.
/// </summary>
public sealed partial class CallerChangeListener(
    NpgsqlDataSource dataSource,
    RememberedCallers callers,
    ILogger<CallerChangeListener> logger) : BackgroundService
{
    /// <summary>The channel migration 0008's triggers notify on; the payload is the user's id, or <c>*</c>.</summary>
    public const string Channel = "roomcast_caller_changed";

    /// <summary>The probe's text, which also names this connection in <c>pg_stat_activity</c>.</summary>
    public static readonly string Probe = PostgresListener.ProbeOf(Channel);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Quiet time after which the connection is probed: well within the liveness window.</summary>
    private static readonly TimeSpan ProbeInterval = RememberedCallers.LivenessWindow / 3;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (callers.MaxAge <= TimeSpan.Zero)
        {
            return Task.CompletedTask; // the cache is off: every request reads the projection
        }

        return PostgresListener.RunAsync(dataSource, new PostgresListen(Channel, RetryDelay)
        {
            Heard = Heard,
            Listening = () =>
            {
                callers.StartRemembering();
                LogListening();
            },
            Ended = callers.StopRemembering,
            Lost = exception => LogListenLost(exception, RetryDelay.TotalSeconds),
            ProbeInterval = ProbeInterval,
            Alive = callers.ProvenAlive,
        }, logger, stoppingToken);
    }

    private void Heard(string payload)
    {
        callers.ProvenAlive();
        if (Guid.TryParse(payload, out var userId))
        {
            callers.Forget(userId);
        }
        else
        {
            callers.ForgetAll();
        }
    }

    [LoggerMessage(EventId = DocumentsLogEvents.CallerChangesListening, Level = LogLevel.Information, Message = "Listening for caller changes; the session check remembers callers")]
    private partial void LogListening();

    [LoggerMessage(EventId = DocumentsLogEvents.CallerChangesListenLost, Level = LogLevel.Warning, Message = "Lost the caller-change LISTEN; every request reads the projection until it is back (retry in {RetrySeconds} s)")]
    private partial void LogListenLost(Exception exception, double retrySeconds);
}
