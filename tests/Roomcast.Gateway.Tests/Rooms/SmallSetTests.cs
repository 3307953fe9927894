using Roomcast.RealtimeGateway.Rooms;
using Xunit;

namespace Roomcast.Gateway.Tests.Rooms;

public sealed class SmallSetTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(SmallSet<int>.ArrayLimit)]
    [InlineData(SmallSet<int>.ArrayLimit + 1)]
    [InlineData(100)]
    public void EachItemIsHeldOnceWhateverTheSize(int size)
    {
        var set = new SmallSet<int>();

        for (var item = 0; item < size; item++)
        {
            set.Add(item).ShouldBeTrue();
            set.Add(item).ShouldBeFalse();
        }

        set.Count.ShouldBe(size);
        set.ToArray().ShouldBe(Enumerable.Range(0, size), ignoreOrder: true);
        Enumerable.Range(0, size).ShouldAllBe(item => set.Contains(item));
        set.Contains(size).ShouldBeFalse();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(SmallSet<int>.ArrayLimit)]
    [InlineData(50)]
    public void RemovedItemsAreGoneAndTheOthersStay(int size)
    {
        var set = new SmallSet<string>();
        var items = Enumerable.Range(0, size).Select(item => $"c{item}").ToList();
        items.ForEach(item => set.Add(item));

        var removed = items.Where((_, index) => index % 2 == 0).ToList();
        removed.ShouldAllBe(item => set.Remove(item));
        removed.ShouldAllBe(item => !set.Remove(item));

        set.ToArray().ShouldBe(items.Except(removed), ignoreOrder: true);
        set.Count.ShouldBe(size - removed.Count);
    }

    [Fact]
    public void AnEmptiedSetIsEmptyAndTakesItemsAgain()
    {
        var set = new SmallSet<string>();
        var items = Enumerable.Range(0, 20).Select(item => $"c{item}").ToList();
        items.ForEach(item => set.Add(item));

        items.ForEach(item => set.Remove(item));
        set.Count.ShouldBe(0);
        set.ToArray().ShouldBeEmpty();

        set.Add("again").ShouldBeTrue();
        set.ToArray().ShouldBe(["again"]);
    }

    [Fact]
    public void CopyToAddsEveryItemOfBothForms()
    {
        var small = new SmallSet<int>();
        var large = new SmallSet<int>();
        Enumerable.Range(0, 3).ToList().ForEach(item => small.Add(item));
        Enumerable.Range(100, 30).ToList().ForEach(item => large.Add(item));
        var target = new HashSet<int>();

        small.CopyTo(target);
        large.CopyTo(target);

        target.ShouldBe(Enumerable.Range(0, 3).Concat(Enumerable.Range(100, 30)), ignoreOrder: true);
    }
}
