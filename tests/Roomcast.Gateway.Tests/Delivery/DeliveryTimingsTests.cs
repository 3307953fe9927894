using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Roomcast.RealtimeGateway.Delivery;
using Xunit;

namespace Roomcast.Gateway.Tests.Delivery;

/// <summary>The per-stage summary the gateway logs: percentiles per stage, one interval at a time, nothing for an idle interval.</summary>
public sealed class DeliveryTimingsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void AnIntervalWithoutConsumedEventsHasNoSummary()
    {
        var timings = new DeliveryTimings(_services.GetRequiredService<IMeterFactory>());
        timings.Record(DeliveryStage.History, 1); // a stage alone is not a consumed event

        timings.TakeSummary().ShouldBeNull();
    }

    [Fact]
    public void TheSummaryGivesEachStagesPercentilesAndStartsAFreshInterval()
    {
        var timings = new DeliveryTimings(_services.GetRequiredService<IMeterFactory>());
        for (var i = 1; i <= 100; i++)
        {
            timings.Record(DeliveryStage.Broker, i);
            timings.Record(DeliveryStage.Consume, 0.5);
        }
        timings.Record(DeliveryStage.History, double.NaN);
        timings.Record(DeliveryStage.Queued, -3);

        var summary = timings.TakeSummary();

        summary.ShouldBe("100 events consumed; ms p50/p99/max per stage: broker 50/99/100 queued 0/0/0 consume 0.5/0.5/0.5");
        timings.TakeSummary().ShouldBeNull("the next interval starts empty");
    }

    [Fact]
    public void AnIntervalKeepsABoundedNumberOfSamplesPerStage()
    {
        var timings = new DeliveryTimings(_services.GetRequiredService<IMeterFactory>());
        for (var i = 0; i < DeliveryTimings.MaxSamplesPerStage + 10; i++)
        {
            timings.Record(DeliveryStage.Consume, i < DeliveryTimings.MaxSamplesPerStage ? 1 : 1000);
        }

        timings.TakeSummary().ShouldBe($"{DeliveryTimings.MaxSamplesPerStage + 10} events consumed; ms p50/p99/max per stage: consume 1/1/1");
    }
}
