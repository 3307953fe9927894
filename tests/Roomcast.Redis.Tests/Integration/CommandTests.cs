using System.Text;
using Roomcast.Redis.Tests.Infrastructure;
using Roomcast.Redis.Tests.Protocol;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>Every command Roomcast uses, against the stack's real redis-server.</summary>
public sealed class CommandTests(SharedRedisFixture fixture) : IClassFixture<SharedRedisFixture>
{
    private RedisConnection Redis => fixture.Redis;

    [Fact]
    public async Task PingIsAnsweredWithPong()
    {
        await Redis.PingAsync();
        (await Redis.ExecuteAsync("PING")).ShouldBe(RespFrames.Simple("PONG"));
    }

    [Fact]
    public async Task AValueSetIsTheValueGot()
    {
        var key = fixture.Key("text");
        (await Redis.SetAsync(key, "héllo")).ShouldBeTrue();
        (await Redis.GetAsync(key)).AsString().ShouldBe("héllo");
    }

    [Fact]
    public async Task BinaryValuesRoundTripByteForByte()
    {
        var key = fixture.Key("binary");
        var bytes = Enumerable.Range(0, 256).Select(b => (byte)b).Concat("\r\n\r\n"u8.ToArray()).ToArray();
        await Redis.SetAsync(key, bytes);
        (await Redis.GetAsync(key)).AsBytes().ToArray().ShouldBe(bytes);
    }

    [Fact]
    public async Task AMissingKeyGetsNull()
    {
        (await Redis.GetAsync(fixture.Key("missing"))).IsNull.ShouldBeTrue();
    }

    [Fact]
    public async Task SetOnlyIfNotExistsKeepsTheFirstValue()
    {
        var key = fixture.Key("lock");
        (await Redis.SetAsync(key, "first", onlyIfNotExists: true)).ShouldBeTrue();
        (await Redis.SetAsync(key, "second", onlyIfNotExists: true)).ShouldBeFalse();
        (await Redis.GetAsync(key)).AsString().ShouldBe("first");
    }

    [Fact]
    public async Task SetWithAnExpiryGivesTheKeyThatTimeToLive()
    {
        var key = fixture.Key("expiring");
        await Redis.SetAsync(key, "soon gone", expiry: TimeSpan.FromSeconds(30), onlyIfNotExists: true);
        (await Redis.ExecuteAsync("PTTL", key)).AsInt64().ShouldBeInRange(1, 30_000);
    }

    [Fact]
    public async Task DelRemovesTheKeysAndCountsThoseThatExisted()
    {
        var (a, b) = (fixture.Key("del-a"), fixture.Key("del-b"));
        await Redis.SetAsync(a, 1);
        await Redis.SetAsync(b, 2);
        (await Redis.DelAsync(a, b, fixture.Key("del-never"))).ShouldBe(2);
        (await Redis.GetAsync(a)).IsNull.ShouldBeTrue();
    }

    [Fact]
    public async Task ExpireAndPExpireGiveAnExistingKeyATimeToLive()
    {
        var key = fixture.Key("ttl");
        await Redis.SetAsync(key, "v");
        (await Redis.ExpireAsync(key, TimeSpan.FromMilliseconds(45_500))).ShouldBeTrue();
        (await Redis.ExecuteAsync("PTTL", key)).AsInt64().ShouldBeInRange(40_000, 45_500);
        (await Redis.ExecuteAsync("EXPIRE", key, 100)).AsInt64().ShouldBe(1);
        (await Redis.ExecuteAsync("TTL", key)).AsInt64().ShouldBeInRange(90, 100);
        (await Redis.ExpireAsync(fixture.Key("ttl-missing"), TimeSpan.FromSeconds(1))).ShouldBeFalse();
    }

    [Fact]
    public async Task IncrByAndDecrByReturnTheNewCount()
    {
        var key = fixture.Key("count");
        (await Redis.IncrByAsync(key, 5)).ShouldBe(5);
        (await Redis.DecrByAsync(key, 7)).ShouldBe(-2);
        (await Redis.GetAsync(key)).AsInt64().ShouldBe(-2);
    }

    [Fact]
    public async Task HashFieldsAreSetCountedAndRemoved()
    {
        var key = fixture.Key("presence");
        (await Redis.HSetAsync(key, "conn-1", "alice")).ShouldBeTrue();
        (await Redis.HSetAsync(key, "conn-1", "alice again")).ShouldBeFalse();
        (await Redis.HSetAsync(key, "conn-2", "bob")).ShouldBeTrue();
        (await Redis.HIncrByAsync(key, "joins", 3)).ShouldBe(3);
        (await Redis.HIncrByAsync(key, "joins", -1)).ShouldBe(2);

        var all = await Redis.HGetAllAsync(key);
        all.Keys.Order().ShouldBe(["conn-1", "conn-2", "joins"]);
        all["conn-1"].AsString().ShouldBe("alice again");
        all["joins"].AsInt64().ShouldBe(2);

        (await Redis.HDelAsync(key, "conn-1", "conn-404")).ShouldBe(1);
        (await Redis.HGetAllAsync(key)).Keys.Order().ShouldBe(["conn-2", "joins"]);
        (await Redis.HGetAllAsync(fixture.Key("no-hash"))).ShouldBeEmpty();
    }

    [Fact]
    public async Task SetMembersAreAddedCountedListedAndRemoved()
    {
        var key = fixture.Key("room-members");
        (await Redis.SAddAsync(key, "a", "b", "a")).ShouldBe(2);
        (await Redis.SAddAsync(key, "c")).ShouldBe(1);
        (await Redis.SCardAsync(key)).ShouldBe(3);
        (await Redis.SMembersAsync(key)).Select(member => member.AsString()).Order().ShouldBe(["a", "b", "c"]);
        (await Redis.SRemAsync(key, "a", "z")).ShouldBe(1);
        (await Redis.SCardAsync(key)).ShouldBe(2);
    }

    [Fact]
    public async Task SortedSetMembersAreRangedAndTrimmedByScoreAndRank()
    {
        var key = fixture.Key("recent");
        for (var seq = 1; seq <= 5; seq++)
        {
            (await Redis.ZAddAsync(key, seq, $"event-{seq}")).ShouldBeTrue();
        }
        (await Redis.ZAddAsync(key, 2.5, "event-2")).ShouldBeFalse();

        Members(await Redis.ZRangeByScoreAsync(key, double.NegativeInfinity, double.PositiveInfinity))
            .ShouldBe(["event-1", "event-2", "event-3", "event-4", "event-5"]);
        Members(await Redis.ZRangeByScoreAsync(key, 2.5, 4)).ShouldBe(["event-2", "event-3", "event-4"]);
        Members(await Redis.ZRangeByScoreAsync(key, 2, double.PositiveInfinity, offset: 1, count: 2)).ShouldBe(["event-3", "event-4"]);

        (await Redis.ZRemRangeByScoreAsync(key, double.NegativeInfinity, 2)).ShouldBe(1);
        (await Redis.ZRemRangeByRankAsync(key, 0, 0)).ShouldBe(1);
        Members(await Redis.ZRangeByScoreAsync(key, double.NegativeInfinity, double.PositiveInfinity))
            .ShouldBe(["event-3", "event-4", "event-5"]);
    }

    [Fact]
    public async Task StreamEntriesAddedAreReadBackInOrderWithTheirFields()
    {
        var key = fixture.Key("events");
        var first = await Redis.XAddAsync(key, [("type", "CHANGED_DOCUMENT"), ("seq", 41)]);
        var second = await Redis.XAddAsync(key, [("type", "DELETED_RECORD"), ("seq", 42), ("data", "{\"id\":1}"u8.ToArray())]);

        var entries = await Redis.XRangeAsync(key);

        entries.Select(entry => entry.Id).ShouldBe([first, second]);
        entries[0]["type"].AsString().ShouldBe("CHANGED_DOCUMENT");
        entries[0]["seq"].AsInt64().ShouldBe(41);
        entries[1].Fields.Select(field => field.Key).ShouldBe(["type", "seq", "data"]);
        Encoding.UTF8.GetString(entries[1]["data"].AsBytes().Span).ShouldBe("{\"id\":1}");
        entries[1]["missing"].IsNull.ShouldBeTrue();

        (await Redis.XRangeAsync(key, count: 1)).Single().Id.ShouldBe(first);
        (await Redis.XRangeAsync(key, start: "(" + first)).Single().Id.ShouldBe(second);
    }

    [Fact]
    public async Task XAddWithAnApproximateMaximumLengthKeepsTheStreamShort()
    {
        var key = fixture.Key("bounded-events");
        await Task.WhenAll(Enumerable.Range(0, 1_000).Select(seq => Redis.XAddAsync(key, [("seq", seq)], approximateMaxLength: 10)));

        // "~" trims whole internal nodes (100 entries each by default): at least 10 stay, far fewer than 1000.
        (await Redis.ExecuteAsync("XLEN", key)).AsInt64().ShouldBeInRange(10, 200);
    }

    [Fact]
    public async Task PublishCountsTheSubscribersThatReceivedTheMessage()
    {
        (await Redis.PublishAsync(fixture.Key("nobody-listens"), "hello")).ShouldBe(0);
    }

    [Fact]
    public async Task EvalRunsAScriptOnTheGivenKeysAndArguments()
    {
        var key = fixture.Key("scripted");
        var reply = await Redis.EvalAsync("return redis.call('INCRBY', KEYS[1], ARGV[1])", [key], [40]);
        reply.AsInt64().ShouldBe(40);
        (await Redis.EvalAsync("return {KEYS[1], ARGV[1], 7}", [key], ["x"])).AsArray()
            .ShouldBe([RespFrames.Bulk(key), RespFrames.Bulk("x"), RespFrames.Integer(7)]);
    }

    [Fact]
    public async Task EvalShaRunsALoadedScriptAndAnUnknownShaIsNoScript()
    {
        var source = $"return ARGV[1] .. '{Guid.NewGuid():N}'";
        var sha = (await Redis.ExecuteAsync("SCRIPT", "LOAD", source)).AsString()!;
        new RedisScript(source).Sha1.ShouldBe(sha);

        (await Redis.EvalShaAsync(sha, [], ["echo:"])).AsString()!.ShouldStartWith("echo:");
        var unknown = await Should.ThrowAsync<RedisServerException>(() => Redis.EvalShaAsync(new string('0', 40)));
        unknown.ErrorCode.ShouldBe("NOSCRIPT");
    }

    [Fact]
    public async Task AScriptRedisHasNotCachedIsSentInFullOnceAndBySha1Afterwards()
    {
        var script = new RedisScript($"return redis.call('INCRBY', KEYS[1], 1) -- {Guid.NewGuid():N}");
        var key = fixture.Key("script-counter");
        (await Redis.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1)).AsArray().Single().AsInt64().ShouldBe(0);

        (await Redis.EvalAsync(script, [key])).AsInt64().ShouldBe(1);

        (await Redis.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1)).AsArray().Single().AsInt64().ShouldBe(1);
        (await Redis.EvalAsync(script, [key])).AsInt64().ShouldBe(2);
    }

    [Fact]
    public async Task AnErrorReplyIsAServerExceptionWithItsCodeAndTheConnectionCarriesOn()
    {
        var key = fixture.Key("a-hash");
        await Redis.HSetAsync(key, "f", "v");

        var failure = await Should.ThrowAsync<RedisServerException>(() => Redis.GetAsync(key));

        failure.ErrorCode.ShouldBe("WRONGTYPE");
        failure.Message.ShouldContain("wrong kind of value");
        await Redis.PingAsync();
    }

    [Theory]
    [InlineData("SUBSCRIBE")]
    [InlineData("psubscribe")]
    [InlineData("SELECT")]
    [InlineData("MULTI")]
    public void CommandsThatWouldChangeTheSharedConnectionAreRefused(string command)
    {
        Should.Throw<ArgumentException>(() => Redis.ExecuteAsync(command, "x")).Message.ShouldContain("shared connection");
    }

    private static List<string?> Members(IReadOnlyList<RedisValue> members) => [.. members.Select(member => member.AsString())];
}
