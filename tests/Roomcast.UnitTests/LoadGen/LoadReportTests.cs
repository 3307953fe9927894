using Roomcast.LoadGen;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.LoadGen;

/// <summary>What the report adds up from one run's figures.</summary>
public sealed class LoadReportTests
{
    [Fact]
    public void LatencyIsToldBySecondOfSendingAndCpuPerUpdateLeavesOutTheGenerator()
    {
        var options = LoadOptions.Parse(["--scenario", "smoke", "--identity", "http://127.0.0.1:1", "--documents", "http://127.0.0.1:2", "--gateways", "http://127.0.0.1:3", "--rate", "2", "--seconds", "2"]);
        // Updates 0 and 1 are sent in the first second at 2/s, update 2 in the second.
        var deliveries = new DeliverySummary(3, 0, 3, 3, 0, 0, 0, 0, LatenciesMs: [10, 30, 5], LatencyConnections: [0, 0, 0], LatencyUpdates: [0, 1, 2], FirstSendToLastReceiptSeconds: 1.5);
        var drive = new DriveSummary(3, 1.5, 0, new Dictionary<string, int>(), [1.0, 2.0, 3.0]);
        ServiceReport[] services =
        [
            new("documents-api", 1, 0.003, 0.002, CpuMsPerUpdate: 1.0, 100),
            new("postgres", 2, 0.0015, 0.001, CpuMsPerUpdate: 0.5, 30),
            new(LoadReport.GeneratorName, 3, 0.009, 0.006, CpuMsPerUpdate: 3.0, 100),
        ];

        var report = LoadReport.From(options, 1, drive, deliveries, [0], services);

        report.LatencyBySecond.ShouldBe([new SecondLatency(1, 2, 10, 30, 30), new SecondLatency(2, 1, 5, 5, 5)]);
        report.ServerCpuMsPerUpdate.ShouldBe(1.5);
        report.ToText().ShouldContain("CPU per update of the services and servers watched (all but the generator): 1.50 ms");
    }
}
