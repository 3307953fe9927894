using Roomcast.Outbox;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Outbox;

public sealed class OutboxSignalTests
{
    [Fact]
    public async Task ANotifyFromAnotherInstanceWakesTheRelay()
    {
        var signal = new OutboxSignal();

        signal.NotifiedBy("another-instance");

        (await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeTrue();
    }

    [Fact]
    public async Task TheEchoOfItsOwnCommitDoesNotWakeTheRelayAgain()
    {
        var signal = new OutboxSignal();

        signal.NotifiedBy(signal.Sender);

        (await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None)).ShouldBeFalse();
    }

    [Fact]
    public async Task ClearingForgetsAPendingWakeUpButNotALaterOne()
    {
        var signal = new OutboxSignal();
        signal.Notify();

        signal.Clear();
        var afterClear = await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None);
        signal.Notify();
        var afterLaterNotify = await signal.WaitAsync(TimeSpan.Zero, CancellationToken.None);

        afterClear.ShouldBeFalse();
        afterLaterNotify.ShouldBeTrue();
    }

    [Fact]
    public void EveryInstanceSignsItsCommitsDifferently() =>
        new OutboxSignal().Sender.ShouldNotBe(new OutboxSignal().Sender);
}
