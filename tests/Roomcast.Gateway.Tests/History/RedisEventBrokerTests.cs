using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.History;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.History;

/// <summary>
/// The broker in a real redis-server: the specification, and what only a history shared by several
/// instances (two multiplexers with the same prefix) can show — one seq sequence for both, a copy of an
/// event recognised whichever instance sees it, announcements crossing instances, trimming by age and a
/// history that lost its data or went back.
/// </summary>
public sealed class RedisEventBrokerTests : EventBrokerSpecification
{
    private readonly string _prefix = TestRedis.NewPrefix();
    private readonly List<TestBackplane> _connections = [];
    private readonly List<RedisEventBroker> _brokers = [];
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public override async Task DisposeAsync()
    {
        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        await _services.DisposeAsync();
    }

    protected override async Task<IEventBroker> CreateAsync(EventHistoryOptions options) => await InstanceAsync(options);

    [Fact]
    public async Task TwoInstancesShareOneRisingSeqAndRecogniseEachOthersEventIds()
    {
        var a = await InstanceAsync(new EventHistoryOptions());
        var b = await InstanceAsync(new EventHistoryOptions());
        var eventId = Guid.NewGuid();

        var onA = await a.AppendAsync(Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        var copyOnB = await b.AppendAsync(Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        await a.MarkDeliveredAsync(eventId, onA.Seq, CancellationToken.None);
        var laterCopyOnB = await b.AppendAsync(Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        var nextOnB = await b.AppendAsync(Entry(Guid.NewGuid(), ["all"], "next"), null, CancellationToken.None);

        (copyOnB.Seq, copyOnB.Outcome, laterCopyOnB.Outcome).ShouldBe((onA.Seq, AppendOutcome.Pending, AppendOutcome.Delivered), "b knows the event a appended and a marked delivered");
        (nextOnB.Seq, nextOnB.Epoch).ShouldBe((onA.Seq + 1, onA.Epoch), "one numbering for both instances");
        (await a.ReadAfterAsync(0, 10, Everyone, CancellationToken.None)).Head.ShouldBe(nextOnB.Seq);
    }

    [Fact]
    public async Task TrimmingByAgeHappensWhenAClientResumes()
    {
        var history = await InstanceAsync(new EventHistoryOptions { MaxAge = TimeSpan.FromSeconds(1) });
        var old = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "old"), null, CancellationToken.None);

        // Bounded poll: the entry is older than a second at the latest after a few reads.
        var deadline = DateTime.UtcNow + TestRedis.Patience;
        HistoryPage page;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            page = await history.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);
        }
        while (page.Entries.Count > 0 && DateTime.UtcNow < deadline);

        page.Entries.ShouldBeEmpty();
        page.Floor.ShouldBe(old.Seq);
    }

    [Fact]
    public async Task AfterRedisLostTheHistoryEveryEarlierSeqIsToldToReload()
    {
        var history = await InstanceAsync(new EventHistoryOptions());
        var before = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "before"), null, CancellationToken.None);
        await using (var redis = await TestRedis.ConnectAsync())
        {
            var keys = new HistoryKeys(_prefix);
            await redis.GetDatabase().KeyDeleteAsync([keys.Head, keys.Floor, keys.Log]);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(5)); // a new millisecond: the new numbering starts above the old one

        var after = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "after"), null, CancellationToken.None);
        var page = await history.ReadAfterAsync(before.Seq, 10, Everyone, CancellationToken.None);

        after.Seq.ShouldBeGreaterThan(before.Seq);
        ResumeRules.GapReason(before.Seq, page.Floor, page.Head).ShouldBe(ResumeRules.BeyondHistory);
    }

    [Fact]
    public async Task AHistoryThatWentBackNumbersAboveEverySeqItGaveInANewEpochAndOlderPositionsReload()
    {
        var history = await InstanceAsync(new EventHistoryOptions());
        var redis = _connections[^1].Redis;
        var kept = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "kept"), null, CancellationToken.None);
        var lost = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "lost"), null, CancellationToken.None);
        // As Redis restored from a snapshot taken after "kept", or a replica promoted before it had "lost", would be.
        var keys = new HistoryKeys(_prefix);
        await redis.EvalAsync(
            "redis.call('SET', KEYS[1], ARGV[1]) redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf') return 1",
            [keys.Head, keys.Log], [kept.Seq]);

        var after = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "after"), null, CancellationToken.None);
        var resume = new EventResume(history, new EventHistoryOptions(), NullLogger<EventResume>.Instance);
        var fromLost = await resume.ResumeHeldAsync(lost.Seq, lost.Epoch, FromTheStart(Everyone), CancellationToken.None);
        var fromKept = await resume.ResumeHeldAsync(kept.Seq, kept.Epoch, FromTheStart(Everyone), CancellationToken.None);
        var fromNew = await resume.ResumeHeldAsync(fromLost.HeadSeq, fromLost.Epoch, FromTheStart(Everyone), CancellationToken.None);

        after.Seq.ShouldBeGreaterThan(lost.Seq, "a seq clients already hold was given again");
        after.Epoch.ShouldNotBe(lost.Epoch);
        fromLost.Reload.ShouldBeTrue();
        fromLost.Reason.ShouldBe(ResumeRules.OtherEpoch);
        fromLost.Epoch.ShouldBe(after.Epoch);
        fromKept.Reload.ShouldBeTrue("what followed kept is gone from the history: a resume from it cannot be complete");
        fromNew.Reload.ShouldBeFalse(fromNew.Reason);
        fromNew.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task AnEventAppendedOnOneInstanceIsAnnouncedToTheSubscribersOfAnother()
    {
        var a = await InstanceAsync(new EventHistoryOptions());
        var b = await InstanceAsync(new EventHistoryOptions());
        var heard = System.Threading.Channels.Channel.CreateUnbounded<AnnouncedEntry>();
        using var subscription = await b.SubscribeAsync(announced => heard.Writer.TryWrite(announced), CancellationToken.None);

        var appended = await a.AppendAsync(Entry(Guid.NewGuid(), ["all"], "across"), new Announcement("connection-7"), CancellationToken.None);

        var announced = await heard.Reader.ReadAsync().AsTask().WaitAsync(TestRedis.Patience);
        (announced.Entry.Seq, announced.Entry.Epoch, announced.Origin, announced.ExceptConnectionId).ShouldBe((appended.Seq, appended.Epoch, a.Instance, "connection-7"));
        announced.Origin.ShouldNotBe(b.Instance);
    }

    [Fact]
    public async Task AReadMayReturnAnEntryWhosePayloadQuotesARoomAndResumeLeavesItOut()
    {
        var broker = await InstanceAsync(new EventHistoryOptions());
        var quoting = await broker.AppendAsync(Entry(Guid.NewGuid(), ["user:dave"], "user:carol"), null, CancellationToken.None);
        var carol = new HashSet<string>(["user:carol"], StringComparer.Ordinal);

        var page = await broker.ReadAfterAsync(quoting.Seq - 1, 10, carol, CancellationToken.None);
        var resumed = await new EventResume(broker, new EventHistoryOptions(), NullLogger<EventResume>.Instance).ResumeHeldAsync(quoting.Seq - 1, quoting.Epoch, FromTheStart(carol), CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe([quoting.Seq], "Redis preselects by the text: a superset of the entries addressed to the rooms");
        resumed.Reload.ShouldBeFalse(resumed.Reason);
        resumed.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task AReadNeverReturnsAnEntryOlderThanMaxAgeThatTrimmingLeftBehind()
    {
        var history = await InstanceAsync(new EventHistoryOptions { MaxAge = TimeSpan.FromMinutes(1) });
        var start = await history.AppendAsync(Entry(Guid.NewGuid(), ["all"], "start"), null, CancellationToken.None);
        // As a history that stood still longer than its max age would hold them: more expired entries
        // before the newest one than one trim removes (1000 a call).
        var keys = new HistoryKeys(_prefix);
        await _connections[^1].Redis.EvalAsync("""
            for i = 1, tonumber(ARGV[2]) do
              redis.call('ZADD', KEYS[1], ARGV[1] - i, '1|' .. ARGV[3] .. string.rep(' ', i))
            end
            return 1
            """, [keys.Log], [start.Seq, 1005, Entry(Guid.NewGuid(), ["all"], "long expired").Body()]);

        var page = await history.ReadAfterAsync(start.Seq - 1006, 2_000, Everyone, CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe([start.Seq], "an entry older than the history's max age is never served, trimmed or not");
        page.Floor.ShouldBeGreaterThanOrEqualTo(start.Seq - 1);
    }

    [Fact]
    public async Task AGainsRecordExpiresAMinuteAfterTheHistorysMaxAge()
    {
        var broker = await InstanceAsync(new EventHistoryOptions { MaxAge = TimeSpan.FromMinutes(2) });
        var carol = Guid.NewGuid();

        await broker.RecordGainAsync(carol, "admin", Guid.NewGuid(), CancellationToken.None);

        await using var redis = await TestRedis.ConnectAsync();
        var expiry = await redis.GetDatabase().KeyTimeToLiveAsync(new HistoryKeys(_prefix).Gains(carol));
        expiry.ShouldNotBeNull().ShouldBeInRange(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task AFullRedisThatEvictsNothingRefusesTheAppendAsAnOutageNotAsABadMessage()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true");
        var broker = await InstanceAsync(new EventHistoryOptions(), server.Endpoint);
        var used = await UsedMemoryAsync(admin.GetServer(server.Endpoint));
        await admin.GetServer(server.Endpoint).ConfigSetAsync("maxmemory-policy", "noeviction");
        await admin.GetServer(server.Endpoint).ConfigSetAsync("maxmemory", used + 2 * 1024 * 1024);

        Exception? refused = null;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], new string('x', 256 * 1024)), null, CancellationToken.None);
            }
            catch (RedisServerException exception)
            {
                refused = exception;
            }
        }

        refused.ShouldNotBeNull("Redis at its maxmemory refuses writes under noeviction");
        RedisOutage.Is(refused).ShouldBeTrue($"a full Redis is an outage of this instance (its turn is given up, the event waits on the bus), not a bad message: {refused.Message}");
    }

    [Fact]
    public async Task AFullRedisThatEvictsNothingStillServesResumes()
    {
        await using var server = await RedisServerProcess.StartAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true");
        var broker = await InstanceAsync(new EventHistoryOptions(), server.Endpoint);
        var first = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "before the ceiling"), null, CancellationToken.None);
        // A ceiling below what Redis holds: every write that could grow it is refused from now on (a ceiling
        // just above would flap, each refused command freeing its own buffer).
        var used = await UsedMemoryAsync(admin.GetServer(server.Endpoint));
        await admin.GetServer(server.Endpoint).ConfigSetAsync("maxmemory-policy", "noeviction");
        await admin.GetServer(server.Endpoint).ConfigSetAsync("maxmemory", used / 2);
        await Should.ThrowAsync<RedisServerException>(() => admin.GetDatabase().StringSetAsync($"{_prefix}:probe", "x"), "the test needs a Redis that refuses writes");

        var page = await broker.ReadAfterAsync(first.Seq - 1, 1, Everyone, CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe([first.Seq], "a resume only reads: a Redis that refuses writes must still answer it");
    }

    private static async Task<long> UsedMemoryAsync(IServer server) =>
        long.Parse((await server.InfoAsync("memory")).SelectMany(group => group).Single(pair => pair.Key == "used_memory").Value);

    private async Task<RedisEventBroker> InstanceAsync(EventHistoryOptions options, string? endpoint = null)
    {
        var backplane = await TestBackplane.StartAsync(new BackplaneOptions { Endpoint = endpoint ?? TestRedis.Endpoint, ChannelPrefix = _prefix }, $"test-{Guid.NewGuid():N}");
        _connections.Add(backplane);
        var broker = new RedisEventBroker(
            backplane.Redis, options, new SeqHighWater(), new BackplaneMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger<RedisEventBroker>.Instance);
        _brokers.Add(broker);
        return broker;
    }
}
