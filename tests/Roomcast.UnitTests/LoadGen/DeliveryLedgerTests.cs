using System.Diagnostics;
using Roomcast.LoadGen;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.LoadGen;

/// <summary>The generator's accounting: its zero counters are what CI trusts, so each must be able to count.</summary>
public sealed class DeliveryLedgerTests
{
    // Connections 0 and 1 read root 0; connection 2 reads root 1.
    private static readonly bool[,] Reads = { { true, false }, { true, false }, { false, true } };

    [Fact]
    public void EveryExpectedDeliveryOnceIsAllDeliveredNothingElse()
    {
        var ledger = new DeliveryLedger(2, Reads);
        ledger.Sending(0, root: 0, Stopwatch.GetTimestamp());
        ledger.Sending(1, root: 1, Stopwatch.GetTimestamp());
        ledger.Received(0, 0, Stopwatch.GetTimestamp());
        ledger.Received(1, 0, Stopwatch.GetTimestamp());
        ledger.Received(2, 1, Stopwatch.GetTimestamp());

        var summary = ledger.Summarize();
        summary.ShouldBe(summary with { UpdatesSent = 2, Expected = 3, Delivered = 3, Missing = 0, Unexpected = 0, Duplicated = 0 });
        summary.LatenciesMs.Count.ShouldBe(3);
        summary.LatenciesMs.ShouldAllBe(latency => latency >= 0);
        summary.LatencyConnections.ShouldBe([0, 1, 2], "each latency names the connection that received it, so it can be told by gateway");
    }

    [Fact]
    public void AMissingAnUnexpectedAndADuplicatedDeliveryAreEachCounted()
    {
        var ledger = new DeliveryLedger(1, Reads);
        ledger.Sending(0, root: 0, Stopwatch.GetTimestamp());
        ledger.Received(0, 0, Stopwatch.GetTimestamp());
        ledger.Received(0, 0, Stopwatch.GetTimestamp()); // twice on one connection
        ledger.Received(2, 0, Stopwatch.GetTimestamp()); // connection 2 does not read root 0
        ledger.Received(1, 7, Stopwatch.GetTimestamp()); // never sent
        // connection 1 never receives update 0

        var summary = ledger.Summarize();
        summary.Expected.ShouldBe(2);
        summary.Delivered.ShouldBe(1);
        summary.Missing.ShouldBe(1);
        summary.Duplicated.ShouldBe(1);
        summary.Unexpected.ShouldBe(2);
    }

    [Fact]
    public void AFailedUpdateIsNotExpectedAndItsDeliveriesAreCountedApart()
    {
        var ledger = new DeliveryLedger(1, Reads);
        ledger.Sending(0, root: 0, Stopwatch.GetTimestamp());
        ledger.Failed(0);
        ledger.Received(0, 0, Stopwatch.GetTimestamp());

        var summary = ledger.Summarize();
        summary.UpdatesFailed.ShouldBe(1);
        summary.Expected.ShouldBe(0);
        summary.Missing.ShouldBe(0);
        summary.DeliveredOfFailedUpdates.ShouldBe(1);
    }
}
