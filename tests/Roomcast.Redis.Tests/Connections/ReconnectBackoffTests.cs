using FsCheck;
using FsCheck.Fluent;
using Roomcast.Redis.Connections;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Connections;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void WithoutJitterTheDelayDoublesFromTheMinimumUpToTheMaximum()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), jitter: 0);

        Enumerable.Range(1, 6).Select(attempt => backoff.DelayBefore(attempt).TotalMilliseconds)
            .ShouldBe([100, 200, 400, 800, 1000, 1000]);
    }

    [Fact]
    public void EveryDelayLiesWithinItsJitterBandBelowTheExponentialCeiling()
    {
        Prop.ForAll(Gen.Choose(1, 10_000).ToArbitrary(), Gen.Choose(0, 100).ToArbitrary(), (attempt, jitterPercent) =>
        {
            var jitter = jitterPercent / 100.0;
            var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(10), jitter);
            var ceiling = Math.Min(10_000, 50 * Math.Pow(2, Math.Min(attempt - 1, 30)));
            var delay = backoff.DelayBefore(attempt).TotalMilliseconds;
            return delay <= ceiling + 0.001 && delay >= ceiling * (1 - jitter) - 0.001;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void JitterSpreadsTheDelaysOfClientsThatFailedTogether()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), jitter: 0.5);

        Enumerable.Range(0, 100).Select(_ => backoff.DelayBefore(3)).Distinct().Count().ShouldBeGreaterThan(50);
    }
}
