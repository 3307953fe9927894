using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.RealtimeGateway.Delivery;
using Xunit;

namespace Roomcast.Gateway.Tests.Delivery;

/// <summary>
/// The order several events in flight keep: each step of a delivery waits until every delivery RabbitMQ
/// numbered before it on the same channel has taken that step, and only that.
/// </summary>
public sealed class DeliveryOrderTests
{
    private const string Line = "amq.ctag-1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly DeliveryOrder _order = new(TimeSpan.FromMinutes(5), NullLogger<DeliveryOrder>.Instance);

    [Fact]
    public async Task TheFirstDeliveryOfAChannelNeverWaits()
    {
        await _order.WaitAsync(Line, 1, DeliveryStep.Appended, CancellationToken.None).WaitAsync(Patience);
    }

    [Fact]
    public async Task AStepWaitsForTheDeliveryBeforeItToTakeThatStepAndNoLonger()
    {
        _order.Seen(Line, 1);
        var second = _order.WaitAsync(Line, 2, DeliveryStep.SentLocally, CancellationToken.None);

        _order.Pass(Line, 1, DeliveryStep.Appended);
        second.IsCompleted.ShouldBeFalse("the first delivery has its seq but has not sent it yet");

        _order.Pass(Line, 1, DeliveryStep.SentLocally);
        await second.WaitAsync(Patience);
    }

    [Fact]
    public async Task StepsAreKeptApartSoTheNextEventsSeqOverlapsThisOnesPublish()
    {
        _order.Pass(Line, 1, DeliveryStep.Appended);
        _order.Pass(Line, 1, DeliveryStep.SentLocally);

        await _order.WaitAsync(Line, 2, DeliveryStep.Appended, CancellationToken.None).WaitAsync(Patience);
        await _order.WaitAsync(Line, 2, DeliveryStep.SentLocally, CancellationToken.None).WaitAsync(Patience);
        _order.WaitAsync(Line, 2, DeliveryStep.Delivered, CancellationToken.None).IsCompleted
            .ShouldBeFalse("the first event has not been published to the other instances");
    }

    [Fact]
    public async Task ADeliveryWaitsForEveryEarlierOneNotOnlyItsNeighbour()
    {
        var third = _order.WaitAsync(Line, 3, DeliveryStep.Appended, CancellationToken.None);

        _order.Pass(Line, 2, DeliveryStep.Appended);
        third.IsCompleted.ShouldBeFalse("the first delivery has not taken the step");

        _order.Pass(Line, 1, DeliveryStep.Appended);
        await third.WaitAsync(Patience);
    }

    [Fact]
    public async Task ADeliveryThatEndedWithoutAConsumerTakingItHoldsNoOneUp()
    {
        _order.Seen(Line, 1);
        var second = _order.WaitAsync(Line, 2, DeliveryStep.Delivered, CancellationToken.None);

        _order.Finished(Line, 1); // skipped, or moved to the error queue

        await second.WaitAsync(Patience);
    }

    [Fact]
    public async Task EachChannelKeepsItsOwnOrder()
    {
        _order.Seen(Line, 1);
        _order.WaitAsync(Line, 2, DeliveryStep.Appended, CancellationToken.None).IsCompleted.ShouldBeFalse();

        await _order.WaitAsync("amq.ctag-2", 1, DeliveryStep.Appended, CancellationToken.None).WaitAsync(Patience);
    }

    [Fact]
    public async Task AFailedAttemptKeepsItsPlaceAndItsRetryGoesOnAtOnce()
    {
        _order.Pass(Line, 1, DeliveryStep.Appended); // its seq, then its local send failed
        var second = _order.WaitAsync(Line, 2, DeliveryStep.SentLocally, CancellationToken.None);

        await _order.WaitAsync(Line, 1, DeliveryStep.Appended, CancellationToken.None).WaitAsync(Patience);
        second.IsCompleted.ShouldBeFalse("the retry of the first delivery has not sent it yet");

        _order.Pass(Line, 1, DeliveryStep.SentLocally);
        await second.WaitAsync(Patience);
    }

    [Fact]
    public async Task ACancelledWaitEndsWithoutTakingAnyoneElsesTurn()
    {
        using var stopping = new CancellationTokenSource();
        var cancelled = _order.WaitAsync(Line, 2, DeliveryStep.Appended, stopping.Token);
        var third = _order.WaitAsync(Line, 3, DeliveryStep.Appended, CancellationToken.None);

        await stopping.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(cancelled.WaitAsync(Patience));
        third.IsCompleted.ShouldBeFalse();
        _order.Pass(Line, 1, DeliveryStep.Appended);
        _order.Pass(Line, 2, DeliveryStep.Appended);
        await third.WaitAsync(Patience);
    }

    [Fact]
    public async Task ADeliveryNeverReceivedIsGivenUpOnAfterTheTimeout()
    {
        var order = new DeliveryOrder(TimeSpan.FromMilliseconds(50), NullLogger<DeliveryOrder>.Instance);

        await order.WaitAsync(Line, 3, DeliveryStep.Appended, CancellationToken.None).WaitAsync(Patience);
    }

    [Fact]
    public async Task ADeliveryReceivedButSlowIsWaitedForPastTheTimeout()
    {
        var order = new DeliveryOrder(TimeSpan.FromMilliseconds(20), NullLogger<DeliveryOrder>.Instance);
        order.Seen(Line, 1);
        var second = order.WaitAsync(Line, 2, DeliveryStep.Appended, CancellationToken.None);

        // Proving a wait goes on needs a window: this one spans many timeouts.
        (await Task.WhenAny(second, Task.Delay(TimeSpan.FromMilliseconds(400)))).ShouldNotBe(second);

        order.Pass(Line, 1, DeliveryStep.Appended);
        await second.WaitAsync(Patience);
    }
}
