using Roomcast.RealtimeGateway.Rooms;
using Xunit;

namespace Roomcast.Gateway.Tests.Rooms;

public sealed class KeyedSetsTests
{
    [Fact]
    public void AKeyIsThereExactlyWhileItsSetHoldsAValueAndSaysSoOnItsFirstAndLastValue()
    {
        var sets = new KeyedSets<string, string>(StringComparer.Ordinal);

        sets.Add("room", "a", out var first).ShouldBeTrue();
        first.ShouldBeTrue();
        sets.Add("room", "b", out first).ShouldBeTrue();
        first.ShouldBeFalse();
        sets.Add("room", "b", out _).ShouldBeFalse();
        sets.Counts().ShouldBe([new KeyValuePair<string, int>("room", 2)]);

        sets.Remove("room", "a", out var last).ShouldBeTrue();
        last.ShouldBeFalse();
        sets.Remove("room", "a", out _).ShouldBeFalse();
        sets.Remove("room", "b", out last).ShouldBeTrue();
        last.ShouldBeTrue();

        sets.Of("room").ShouldBeEmpty();
        sets.Counts().ShouldBeEmpty();
        sets.Add("room", "c", out first).ShouldBeTrue();
        first.ShouldBeTrue("the emptied set was dropped, the key starts again");
    }

    [Fact]
    public void RemoveAllDropsTheKeyAndReturnsWhatItHeld()
    {
        var sets = new KeyedSets<string, int>();
        sets.Add("connection", 1);
        sets.Add("connection", 2);
        sets.Add("other", 3);

        sets.RemoveAll("connection").ShouldBe([1, 2], ignoreOrder: true);

        sets.Of("connection").ShouldBeEmpty();
        sets.RemoveAll("connection").ShouldBeEmpty();
        sets.Of("other").ShouldBe([3]);
    }

    [Fact]
    public void CopyToUnitesTheSetsOfSeveralKeys()
    {
        var sets = new KeyedSets<string, string>();
        sets.Add("all", "a");
        sets.Add("all", "b");
        sets.Add("group", "b");
        sets.Add("group", "c");
        var union = new HashSet<string>();

        foreach (var key in new[] { "all", "group", "nobody" })
        {
            sets.CopyTo(key, union);
        }

        union.ShouldBe(["a", "b", "c"], ignoreOrder: true);
    }

    [Fact]
    public void ConcurrentJoinsAndLeavesOfOneKeyLoseNoValue()
    {
        // Each worker keeps one value of its own in and moves a second one in and out, so the set
        // empties and refills all the time; only the values left in may remain.
        var sets = new KeyedSets<string, string>();
        const int workers = 4;
        const int rounds = 20_000;

        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            for (var round = 0; round < rounds; round++)
            {
                sets.Add("room", $"moving-{worker}").ShouldBeTrue();
                sets.Remove("room", $"moving-{worker}").ShouldBeTrue();
            }
            sets.Add("room", $"staying-{worker}").ShouldBeTrue();
        });

        sets.Of("room").ShouldBe(Enumerable.Range(0, workers).Select(worker => $"staying-{worker}"), ignoreOrder: true);
    }
}
