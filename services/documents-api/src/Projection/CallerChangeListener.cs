using System.Data;
using Dapper;
using Npgsql;

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
    public const string Probe = "SELECT 'roomcast_caller_changed listener alive'";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Quiet time after which the connection is probed: well within the liveness window.</summary>
    private static readonly TimeSpan ProbeInterval = RememberedCallers.LivenessWindow / 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (callers.MaxAge <= TimeSpan.Zero)
        {
            return; // the cache is off: every request reads the projection
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogListenLost(exception, RetryDelay.TotalSeconds);
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        try
        {
            connection.Notification += (_, notification) => Heard(notification.Payload);
            await connection.ExecuteAsync($"LISTEN {Channel}");
            callers.StartRemembering();
            LogListening();
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await connection.WaitAsync(ProbeInterval, stoppingToken))
                {
                    // Quiet for a while: a connection that died without a word would look the same.
                    await connection.ExecuteScalarAsync<string>(new CommandDefinition(Probe, commandTimeout: 5, cancellationToken: stoppingToken));
                    callers.ProvenAlive();
                }
            }
        }
        finally
        {
            callers.StopRemembering();
            await StopListeningAsync(connection);
        }
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

    /// <summary>Connections go back to the pool without a reset (PostgresSetup), so this one must not go back listening.</summary>
    private async Task StopListeningAsync(NpgsqlConnection connection)
    {
        if (connection.State != ConnectionState.Open)
        {
            return; // broken: it does not go back
        }

        try
        {
            await connection.ExecuteAsync($"UNLISTEN {Channel}");
        }
        catch (Exception exception)
        {
            LogUnlistenFailed(exception);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    [LoggerMessage(EventId = DocumentsLogEvents.CallerChangesListening, Level = LogLevel.Information, Message = "Listening for caller changes; the session check remembers callers")]
    private partial void LogListening();

    [LoggerMessage(EventId = DocumentsLogEvents.CallerChangesListenLost, Level = LogLevel.Warning, Message = "Lost the caller-change LISTEN; every request reads the projection until it is back (retry in {RetrySeconds} s)")]
    private partial void LogListenLost(Exception exception, double retrySeconds);

    [LoggerMessage(EventId = DocumentsLogEvents.CallerChangesUnlistenFailed, Level = LogLevel.Information, Message = "Could not UNLISTEN on the caller-change connection; the pool closes it instead")]
    private partial void LogUnlistenFailed(Exception exception);
}
