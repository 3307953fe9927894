using System.Data;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Roomcast.ServiceDefaults.Logging;

namespace Roomcast.Postgres;

/// <summary>What one LISTEN is on, and what its owner is told (<see cref="PostgresListener.RunAsync"/>).</summary>
public sealed record PostgresListen(string Channel, TimeSpan RetryDelay)
{
    /// <summary>A notification's payload.</summary>
    public required Action<string> Heard { get; init; }

    /// <summary>The LISTEN is in place (again): every notification sent from now on is heard.</summary>
    public Action Listening { get; init; } = () => { };

    /// <summary>The LISTEN ended, lost or stopped: notifications go unheard until <see cref="Listening"/> again.</summary>
    public Action Ended { get; init; } = () => { };

    /// <summary>The LISTEN was lost; it is taken again after <see cref="RetryDelay"/>.</summary>
    public required Action<Exception> Lost { get; init; }

    /// <summary>With it, a connection quiet this long is asked <see cref="PostgresListener.ProbeOf"/>: one that died without a word fails it.</summary>
    public TimeSpan? ProbeInterval { get; init; }

    /// <summary>The connection answered a probe: the LISTEN was alive just now.</summary>
    public Action Alive { get; init; } = () => { };
}

/// <summary>
/// Holds a LISTEN on one pooled connection until stopped, and takes it again after every loss.
/// Connections go back to the pool without a reset (PostgresSetup), so one never goes back listening:
/// it is told to UNLISTEN, and when it cannot be, the pool closes it instead.
/// </summary>
public static partial class PostgresListener
{
    /// <summary>The probe's text, which also names the listening connection in <c>pg_stat_activity</c>.</summary>
    public static string ProbeOf(string channel) => $"SELECT '{channel} listener alive'";

    public static async Task RunAsync(NpgsqlDataSource dataSource, PostgresListen listen, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(dataSource, listen, logger, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                listen.Lost(exception);
                try
                {
                    await Task.Delay(listen.RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task ListenAsync(NpgsqlDataSource dataSource, PostgresListen listen, ILogger logger, CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        try
        {
            connection.Notification += (_, notification) => listen.Heard(notification.Payload);
            await connection.ExecuteAsync($"LISTEN {listen.Channel}");
            listen.Listening();
            while (!stoppingToken.IsCancellationRequested)
            {
                if (listen.ProbeInterval is not { } quiet)
                {
                    await connection.WaitAsync(stoppingToken);
                }
                else if (!await connection.WaitAsync(quiet, stoppingToken))
                {
                    await connection.ExecuteScalarAsync<string>(new CommandDefinition(ProbeOf(listen.Channel), commandTimeout: 5, cancellationToken: stoppingToken));
                    listen.Alive();
                }
            }
        }
        finally
        {
            listen.Ended();
            await StopListeningAsync(connection, listen.Channel, logger);
        }
    }

    private static async Task StopListeningAsync(NpgsqlConnection connection, string channel, ILogger logger)
    {
        if (connection.State != ConnectionState.Open)
        {
            return; // broken: it does not go back
        }

        try
        {
            await connection.ExecuteAsync("UNLISTEN *");
        }
        catch (Exception exception)
        {
            LogUnlistenFailed(logger, exception, channel);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    [LoggerMessage(EventId = SharedLogEvents.ListenUnlistenFailed, Level = LogLevel.Information, Message = "Could not UNLISTEN on the {Channel} LISTEN connection; the pool closes it instead")]
    private static partial void LogUnlistenFailed(ILogger logger, Exception exception, string channel);
}
