using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.History;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.History;

/// <summary>
/// The history in a real redis-server, shared by two instances (two multiplexers with the same prefix):
/// one seq sequence for both, a copy of an event recognised whichever instance sees it, trimming and
/// a history that lost its data.
/// </summary>
public sealed class RedisEventHistoryTests : IAsyncLifetime
{
    private static readonly HashSet<string> Everyone = new(["all"], StringComparer.Ordinal);
    private readonly string _prefix = TestRedis.NewPrefix();
    private readonly List<TestBackplane> _connections = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoInstancesShareOneRisingSeqAndRecogniseEachOthersEventIds()
    {
        var a = await InstanceAsync(new EventHistoryOptions());
        var b = await InstanceAsync(new EventHistoryOptions());
        var eventId = Guid.NewGuid();

        var first = await a.AppendAsync(EventResumeTests.Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        var copyOnB = await b.AppendAsync(EventResumeTests.Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        await a.MarkDeliveredAsync(eventId, first.Seq, CancellationToken.None);
        var laterCopyOnB = await b.AppendAsync(EventResumeTests.Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        var next = await b.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "next"), null, CancellationToken.None);

        first.Outcome.ShouldBe(AppendOutcome.New);
        copyOnB.ShouldBe(new HistoryAppend(first.Seq, AppendOutcome.Pending, first.Epoch), "a copy seen before its delivery finished is sent again with the same seq");
        laterCopyOnB.ShouldBe(new HistoryAppend(first.Seq, AppendOutcome.Delivered, first.Epoch), "a copy of a delivered event is dropped");
        next.ShouldBe(new HistoryAppend(first.Seq + 1, AppendOutcome.New, first.Epoch));
        var page = await a.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);
        page.Entries.Select(entry => entry.Seq).ShouldBe([first.Seq, next.Seq]);
        page.Entries[0].ClientPayload().GetProperty("seq").GetInt64().ShouldBe(first.Seq);
        page.Entries[0].ClientPayload().GetProperty("text").GetString().ShouldBe("once");
        page.Head.ShouldBe(next.Seq);
    }

    [Fact]
    public async Task AReadReturnsOnlyEntriesNamingTheReadersRoomsButReportsWhatItScanned()
    {
        var history = await InstanceAsync(new EventHistoryOptions());
        var forCarol = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["admin", "user:carol"], "for carol"), null, CancellationToken.None);
        var forDave = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["admin", "user:dave"], "for dave"), null, CancellationToken.None);

        var page = await history.ReadAfterAsync(forCarol.Seq - 1, 10, new HashSet<string>(["user:carol", "all"], StringComparer.Ordinal), CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe([forCarol.Seq]);
        page.Scanned.ShouldBe(2);
        page.LastScanned.ShouldBe(forDave.Seq);
    }

    [Fact]
    public async Task TrimmingBySizeRaisesTheFloorToTheLastTrimmedSeq()
    {
        var history = await InstanceAsync(new EventHistoryOptions { MaxEvents = 3 });
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add((await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], $"event {i}"), null, CancellationToken.None)).Seq);
        }

        var page = await history.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe(seqs[2..]);
        page.Floor.ShouldBe(seqs[1]);
        ResumeRules.GapReason(seqs[0], page.Floor, page.Head).ShouldBe(ResumeRules.BeyondHistory);
        ResumeRules.GapReason(seqs[1], page.Floor, page.Head).ShouldBeNull();
    }

    [Fact]
    public async Task TrimmingByAgeHappensWhenAClientResumes()
    {
        var history = await InstanceAsync(new EventHistoryOptions { MaxAge = TimeSpan.FromSeconds(1) });
        var old = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "old"), null, CancellationToken.None);

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
        var before = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "before"), null, CancellationToken.None);
        await using (var redis = await TestRedis.ConnectAsync())
        {
            var keys = new HistoryKeys(_prefix);
            await redis.GetDatabase().KeyDeleteAsync([keys.Head, keys.Floor, keys.Log]);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(5)); // a new millisecond: the new numbering starts above the old one

        var after = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "after"), null, CancellationToken.None);
        var page = await history.ReadAfterAsync(before.Seq, 10, Everyone, CancellationToken.None);

        after.Seq.ShouldBeGreaterThan(before.Seq);
        ResumeRules.GapReason(before.Seq, page.Floor, page.Head).ShouldBe(ResumeRules.BeyondHistory);
    }

    [Fact]
    public async Task AnAppendWithAnAnnouncementPublishesTheEntryWithItsSeqInTheSameStepAndAgainOnlyWhilePending()
    {
        var a = await InstanceAsync(new EventHistoryOptions());
        var b = await InstanceAsync(new EventHistoryOptions());
        var listener = _connections[^1].Redis;
        var heard = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        await listener.SubscribeAsync(listener.Channels.Audience, (_, frame) => heard.Writer.TryWrite(frame.ToArray()));
        var announcement = new HistoryAnnouncement(listener.Channels.Audience, BackplaneFraming.AnnouncementHead("instance-a", "connection-7"));
        var eventId = Guid.NewGuid();

        var first = await a.AppendAsync(EventResumeTests.Entry(eventId, ["all", "user:carol"], "once"), announcement, CancellationToken.None);
        var retried = await b.AppendAsync(EventResumeTests.Entry(eventId, ["all", "user:carol"], "once"), announcement, CancellationToken.None);
        await a.MarkDeliveredAsync(eventId, first.Seq, CancellationToken.None);
        var laterCopy = await b.AppendAsync(EventResumeTests.Entry(eventId, ["all", "user:carol"], "once"), announcement, CancellationToken.None);
        var next = await a.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["admin"], "next"), announcement, CancellationToken.None);

        var announced = new List<(AnnouncedEvent Frame, HistoryEntry Entry)>();
        for (var i = 0; i < 3; i++)
        {
            var frame = BackplaneFraming.ReadAnnounced(await heard.Reader.ReadAsync().AsTask().WaitAsync(TestRedis.Patience));
            announced.Add((frame, HistoryEntry.FromAnnounced(frame.Entry.Span)));
        }
        retried.ShouldBe(new HistoryAppend(first.Seq, AppendOutcome.Pending, first.Epoch));
        laterCopy.ShouldBe(new HistoryAppend(first.Seq, AppendOutcome.Delivered, first.Epoch));
        announced.Select(item => (item.Entry.EventId, item.Entry.Seq)).ShouldBe(
            [(eventId, first.Seq), (eventId, first.Seq), (announced[2].Entry.EventId, next.Seq)],
            "new and pending appends are announced with their seq, in order; a delivered copy is not");
        announced[0].Frame.Origin.ShouldBe("instance-a");
        announced[0].Frame.ExceptConnectionId.ShouldBe("connection-7");
        announced[0].Entry.Audience.ShouldBe(["all", "user:carol"]);
        announced[0].Entry.Event.ShouldBe("CHANGED_DOCUMENT");
        announced[0].Entry.ClientPayload().GetProperty("text").GetString().ShouldBe("once");
        announced[0].Entry.ClientPayload().GetProperty("seq").GetInt64().ShouldBe(first.Seq);
    }

    [Fact]
    public async Task AHistoryThatWentBackNumbersAboveEverySeqItGaveInANewEpochAndOlderPositionsReload()
    {
        var history = await InstanceAsync(new EventHistoryOptions());
        var redis = _connections[^1].Redis;
        var kept = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "kept"), null, CancellationToken.None);
        var lost = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "lost"), null, CancellationToken.None);
        // As Redis restored from a snapshot taken after "kept", or a replica promoted before it had "lost", would be.
        var keys = new HistoryKeys(_prefix);
        await redis.EvalAsync(
            "redis.call('SET', KEYS[1], ARGV[1]) redis.call('ZREMRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf') return 1",
            [keys.Head, keys.Log], [kept.Seq]);

        var after = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "after"), null, CancellationToken.None);
        var resume = new EventResume(history, new EventHistoryOptions(), NullLogger<EventResume>.Instance);
        var fromLost = await resume.ResumeAsync(lost.Seq, lost.Epoch, Everyone, CancellationToken.None);
        var fromKept = await resume.ResumeAsync(kept.Seq, kept.Epoch, Everyone, CancellationToken.None);
        var fromNew = await resume.ResumeAsync(fromLost.HeadSeq, fromLost.Epoch, Everyone, CancellationToken.None);

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
    public async Task AnAppendWithoutAnAnnouncementPublishesNothing()
    {
        var history = await InstanceAsync(new EventHistoryOptions());
        var listener = _connections[^1].Redis;
        var heard = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        await listener.SubscribeAsync(listener.Channels.Audience, (_, frame) => heard.Writer.TryWrite(frame.ToArray()));
        var fence = new HistoryAnnouncement(listener.Channels.Audience, BackplaneFraming.AnnouncementHead("fence", null));

        await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "quiet"), null, CancellationToken.None);
        var fenced = await history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "fence"), fence, CancellationToken.None);

        // Pub/sub keeps the publish order: the first frame heard is the fence's unless the quiet append published.
        var frame = BackplaneFraming.ReadAnnounced(await heard.Reader.ReadAsync().AsTask().WaitAsync(TestRedis.Patience));
        HistoryEntry.FromAnnounced(frame.Entry.Span).Seq.ShouldBe(fenced.Seq);
    }

    [Fact]
    public async Task TheInMemoryHistoryRefusesAnAnnouncementItCouldNotSend()
    {
        var history = new InMemoryEventHistory(new EventHistoryOptions(), TimeProvider.System);

        await Should.ThrowAsync<InvalidOperationException>(() =>
            history.AppendAsync(EventResumeTests.Entry(Guid.NewGuid(), ["all"], "once"), new HistoryAnnouncement("audience", new byte[] { 2 }), CancellationToken.None));
    }

    private async Task<RedisEventHistory> InstanceAsync(EventHistoryOptions options)
    {
        var backplane = await TestBackplane.StartAsync(new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = _prefix }, $"test-{Guid.NewGuid():N}");
        _connections.Add(backplane);
        return new RedisEventHistory(backplane.Redis, options, new SeqHighWater());
    }
}
