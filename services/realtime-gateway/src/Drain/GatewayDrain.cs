using System.Diagnostics;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Delivery;

namespace Roomcast.RealtimeGateway.Drain;

/// <summary>
/// What an instance does when it is told to stop (SIGTERM: a rolling restart, a scale-in), before the
/// host stops anything: it refuses new connections (<see cref="DrainRefusal"/>) and fails readiness, so
/// the load balancer takes it out; hands its consumer turn on the shared event queue to the next instance
/// (<see cref="ConsumerTurn.HandOffAsync"/>: no event lost or reordered); tells every connection to
/// reconnect elsewhere and <c>Resume</c> (<see cref="CloseReasons.ServerShuttingDown"/>), the closes
/// spread over <see cref="DrainOptions.ReconnectWindow"/>; and waits until they are gone, at most
/// <see cref="DrainOptions.Timeout"/>. Meanwhile the rest of the instance works as before: the
/// connections not yet told still get what the new consumer announces over the backplane. Then it
/// stops the host.
/// </summary>
public sealed partial class GatewayDrain(
    LocalConnections connections,
    IServiceProvider services,
    IOptions<DrainOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<GatewayDrain> logger)
{
    private int _draining;

    /// <summary>The instance is shutting down: it takes no new connection and is not ready.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) == 1;

    /// <summary>Starts draining, then stops the host; asked again meanwhile (a second SIGTERM), stops the host at once.</summary>
    public void Begin()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 1)
        {
            lifetime.StopApplication();
            return;
        }
        _ = Task.Run(DrainThenStopAsync);
    }

    private async Task DrainThenStopAsync()
    {
        var started = Stopwatch.GetTimestamp();
        var settings = options.Value;
        try
        {
            LogStarted(connections.Count, settings.Timeout);
            if (services.GetService<ConsumerTurn>() is { } turn)
            {
                await turn.HandOffAsync();
            }
            var told = connections.ReconnectAll(CloseReasons.ServerShuttingDown, settings.ReconnectWindow);
            LogTold(told, settings.ReconnectWindow);

            using var timeout = new CancellationTokenSource(Remaining(settings.Timeout, started));
            try
            {
                // A connection that got in just as the drain began is told once the window is over.
                await Task.Delay(settings.ReconnectWindow, timeout.Token);
                connections.ReconnectAll(CloseReasons.ServerShuttingDown, TimeSpan.Zero);
                await connections.WhenEmptyAsync(timeout.Token);
                LogDone(Stopwatch.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                LogTimedOut(settings.Timeout, connections.Count);
            }
        }
        catch (Exception exception)
        {
            LogFailed(exception);
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private static TimeSpan Remaining(TimeSpan timeout, long started)
    {
        var left = timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    [LoggerMessage(EventId = GatewayLogEvents.DrainStarted, Level = LogLevel.Information,
        Message = "Shutting down: this instance takes no new connections, reports itself not ready, hands its consumer turn on and lets its {Connections} connections go (at most {Timeout})")]
    private partial void LogStarted(int connections, TimeSpan timeout);

    [LoggerMessage(EventId = GatewayLogEvents.DrainConnectionsTold, Level = LogLevel.Information,
        Message = "{Connections} connections are told to reconnect to another instance and resume (spread over {Window})")]
    private partial void LogTold(int connections, TimeSpan window);

    [LoggerMessage(EventId = GatewayLogEvents.DrainDone, Level = LogLevel.Information, Message = "Every connection is gone after {Elapsed}: the host stops")]
    private partial void LogDone(TimeSpan elapsed);

    [LoggerMessage(EventId = GatewayLogEvents.DrainTimedOut, Level = LogLevel.Warning,
        Message = "{Connections} connections were still open after {Timeout}: the host stops anyway, closing them")]
    private partial void LogTimedOut(TimeSpan timeout, int connections);

    [LoggerMessage(EventId = GatewayLogEvents.DrainFailed, Level = LogLevel.Error, Message = "Draining failed: the host stops now")]
    private partial void LogFailed(Exception exception);
}
