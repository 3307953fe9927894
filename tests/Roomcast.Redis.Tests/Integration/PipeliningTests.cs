using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>Many callers share one connection; each gets the reply to its own command.</summary>
public sealed class PipeliningTests(SharedRedisFixture fixture) : IClassFixture<SharedRedisFixture>
{
    private RedisConnection Redis => fixture.Redis;

    [Fact]
    public async Task TenThousandConcurrentIncrementsAreEachAnsweredWithTheirOwnCount()
    {
        var key = fixture.Key("counter");

        var counts = await Task.WhenAll(Enumerable.Range(0, 10_000).Select(_ => Redis.IncrByAsync(key, 1)));

        counts.Order().ShouldBe(Enumerable.Range(1, 10_000).Select(count => (long)count));
        (await Redis.GetAsync(key)).AsInt64().ShouldBe(10_000);
    }

    [Fact]
    public async Task ConcurrentCallersOnManyThreadsEachReadTheValueTheyWrote()
    {
        await Task.WhenAll(Enumerable.Range(0, 2_000).Select(i => Task.Run(async () =>
        {
            var key = fixture.Key($"own-{i}");
            await Redis.SetAsync(key, $"value-{i}");
            (await Redis.GetAsync(key)).AsString().ShouldBe($"value-{i}");
            (await Redis.IncrByAsync(fixture.Key($"own-count-{i}"), i)).ShouldBe(i);
        })));
    }

    [Fact]
    public async Task AnErrorAmongPipelinedCommandsFailsOnlyItsOwnCommand()
    {
        var hash = fixture.Key("not-a-counter");
        await Redis.HSetAsync(hash, "f", "v");

        var before = Redis.IncrByAsync(fixture.Key("before"), 1);
        var failing = Redis.IncrByAsync(hash, 1);
        var after = Redis.IncrByAsync(fixture.Key("after"), 1);

        (await before).ShouldBe(1);
        (await Should.ThrowAsync<RedisServerException>(failing)).ErrorCode.ShouldBe("WRONGTYPE");
        (await after).ShouldBe(1);
    }
}
