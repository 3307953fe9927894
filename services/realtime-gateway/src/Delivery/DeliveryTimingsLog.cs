using Microsoft.Extensions.Options;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>Logs <see cref="DeliveryTimings"/>' summary once per <see cref="DeliveryTimingsOptions.LogInterval"/> in which events were consumed.</summary>
public sealed partial class DeliveryTimingsLog(DeliveryTimings timings, IOptions<DeliveryTimingsOptions> options, TimeProvider time, ILogger<DeliveryTimingsLog> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.LogInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (timings.TakeSummary() is { } summary)
                {
                    LogSummary(interval.TotalSeconds, summary);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = GatewayLogEvents.DeliveryTimingsSummary, Level = LogLevel.Information, Message = "Delivery over the last {Seconds} s: {Summary}")]
    private partial void LogSummary(double seconds, string summary);
}
