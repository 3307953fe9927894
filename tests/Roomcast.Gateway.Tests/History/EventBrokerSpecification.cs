using System.Text.Json.Nodes;
using System.Threading.Channels;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.History;
using Xunit;

namespace Roomcast.Gateway.Tests.History;

/// <summary>
/// The guarantee of <see cref="IEventBroker"/>, written once and run against each implementation: in
/// this process, and in the real Redis every instance shares.
/// </summary>
public abstract class EventBrokerSpecification : IAsyncLifetime
{
    protected static readonly HashSet<string> Everyone = new(["all"], StringComparer.Ordinal);

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A broker with a history of its own, empty.</summary>
    protected abstract Task<IEventBroker> CreateAsync(EventHistoryOptions options);

    [Fact]
    public async Task SeqsRiseByOneAppendAfterAppendAndAreNeverGivenTwice()
    {
        var broker = await CreateAsync(new EventHistoryOptions());

        var appended = new List<HistoryAppend>();
        for (var i = 0; i < 5; i++)
        {
            appended.Add(await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], $"event {i}"), null, CancellationToken.None));
        }

        appended.ShouldAllBe(append => append.Outcome == AppendOutcome.New);
        appended.Select(append => append.Seq).ShouldBe(Enumerable.Range(0, 5).Select(i => appended[0].Seq + i));
    }

    [Fact]
    public async Task TheEpochStaysTheSameAcrossAppendsAndReads()
    {
        var broker = await CreateAsync(new EventHistoryOptions());

        var first = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "first"), null, CancellationToken.None);
        var second = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "second"), null, CancellationToken.None);
        var page = await broker.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);

        first.Epoch.ShouldNotBeNullOrEmpty();
        second.Epoch.ShouldBe(first.Epoch);
        page.Epoch.ShouldBe(first.Epoch);
        page.Entries.ShouldAllBe(entry => entry.Epoch == first.Epoch);
    }

    [Fact]
    public async Task AnEmptyHistoryAnswersAPositionTheNextEventsCanBeReadAfter()
    {
        var broker = await CreateAsync(new EventHistoryOptions());

        var empty = await broker.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);
        var first = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "first"), null, CancellationToken.None);
        var after = await broker.ReadAfterAsync(empty.Head, 10, Everyone, CancellationToken.None);

        empty.Epoch.ShouldNotBeNullOrEmpty("a client that connected to an empty history resumes from the position it was answered");
        first.Epoch.ShouldBe(empty.Epoch, "the first event belongs to the numbering the empty history answered");
        after.Floor.ShouldBeLessThanOrEqualTo(empty.Head, "nothing after the answered position was trimmed");
        after.Entries.Select(entry => entry.Seq).ShouldBe([first.Seq]);
    }

    [Fact]
    public async Task AnEventIdSeenBeforeKeepsItsSeqAndIsPendingUntilMarkedDeliveredThenDropped()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        var eventId = Guid.NewGuid();

        var first = await broker.AppendAsync(Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        var retried = await broker.AppendAsync(Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        await broker.MarkDeliveredAsync(eventId, first.Seq, CancellationToken.None);
        var redelivered = await broker.AppendAsync(Entry(eventId, ["all"], "once"), null, CancellationToken.None);
        var next = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "next"), null, CancellationToken.None);

        first.Outcome.ShouldBe(AppendOutcome.New);
        retried.ShouldBe(new HistoryAppend(first.Seq, AppendOutcome.Pending, first.Epoch), "a copy seen before its delivery finished is sent again with the same seq");
        redelivered.ShouldBe(new HistoryAppend(first.Seq, AppendOutcome.Delivered, first.Epoch), "a copy of a delivered event is dropped");
        next.ShouldBe(new HistoryAppend(first.Seq + 1, AppendOutcome.New, first.Epoch));
        var page = await broker.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);
        page.Entries.Select(entry => entry.Seq).ShouldBe([first.Seq, next.Seq], "the history holds each event once");
        page.Entries[0].ClientPayload().GetProperty("seq").GetInt64().ShouldBe(first.Seq);
        page.Entries[0].ClientPayload().GetProperty("text").GetString().ShouldBe("once");
    }

    [Fact]
    public async Task SubscribersReceiveEachAnnouncementInSeqOrderWithItsEntryPositionOriginAndExceptedConnection()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        await using var heard = await ListenAsync(broker);

        var first = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all", "user:carol"], "first"), new Announcement("connection-7"), CancellationToken.None);
        var second = await broker.AppendAsync(Entry(Guid.NewGuid(), ["admin"], "second"), new Announcement(null), CancellationToken.None);
        var third = await broker.AppendAsync(Entry(Guid.NewGuid(), ["user:dave"], "third"), new Announcement("connection-9"), CancellationToken.None);

        var announced = await heard.NextAsync(3);
        announced.Select(item => (item.Entry.Seq, item.Entry.Epoch)).ShouldBe([(first.Seq, first.Epoch), (second.Seq, second.Epoch), (third.Seq, third.Epoch)]);
        announced.ShouldAllBe(item => item.Origin == broker.Instance);
        announced.Select(item => item.ExceptConnectionId).ShouldBe(["connection-7", null, "connection-9"]);
        announced[0].Entry.Audience.ShouldBe(["all", "user:carol"]);
        announced[0].Entry.Event.ShouldBe("CHANGED_DOCUMENT");
        announced[0].Entry.ClientPayload().GetProperty("text").GetString().ShouldBe("first");
        announced[0].Entry.ClientPayload().GetProperty("seq").GetInt64().ShouldBe(first.Seq);
        announced[0].Entry.ClientPayload().GetProperty("epoch").GetString().ShouldBe(first.Epoch);
    }

    [Fact]
    public async Task NewAndPendingAppendsAreAnnouncedButACopyOfADeliveredEventIsNot()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        await using var heard = await ListenAsync(broker);
        var eventId = Guid.NewGuid();
        var announce = new Announcement(null);

        var first = await broker.AppendAsync(Entry(eventId, ["all"], "once"), announce, CancellationToken.None);
        await broker.AppendAsync(Entry(eventId, ["all"], "once"), announce, CancellationToken.None);
        await broker.MarkDeliveredAsync(eventId, first.Seq, CancellationToken.None);
        await broker.AppendAsync(Entry(eventId, ["all"], "once"), announce, CancellationToken.None);
        var nextId = Guid.NewGuid();
        var next = await broker.AppendAsync(Entry(nextId, ["all"], "next"), announce, CancellationToken.None);

        (await heard.NextAsync(3)).Select(item => (item.Entry.EventId, item.Entry.Seq)).ShouldBe(
            [(eventId, first.Seq), (eventId, first.Seq), (nextId, next.Seq)],
            "the new append and the pending copy are announced with the seq the event was given; the delivered copy is not");
    }

    [Fact]
    public async Task AnAppendWithoutAnAnnouncementPublishesNothing()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        await using var heard = await ListenAsync(broker);

        await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "quiet"), null, CancellationToken.None);
        var fence = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "fence"), new Announcement(null), CancellationToken.None);

        // Announcements keep their order: the first one heard is the fence's unless the quiet append announced.
        (await heard.NextAsync(1))[0].Entry.Seq.ShouldBe(fence.Seq);
    }

    [Fact]
    public async Task ADisposedSubscriptionHearsNothingMoreWhileTheOthersStillDo()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        // Subscribed first: were it still subscribed, it would hear the announcement before the other.
        var leaving = await ListenAsync(broker);
        await using var staying = await ListenAsync(broker);
        await leaving.DisposeAsync();

        var appended = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "after"), new Announcement(null), CancellationToken.None);

        (await staying.NextAsync(1))[0].Entry.Seq.ShouldBe(appended.Seq);
        leaving.Heard.ShouldBe(0);
    }

    [Fact]
    public async Task AReadPagesByCountAndReportsWhereTheNextPageStarts()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add((await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], $"event {i}"), null, CancellationToken.None)).Seq);
        }

        var first = await broker.ReadAfterAsync(seqs[0] - 1, 2, Everyone, CancellationToken.None);
        var second = await broker.ReadAfterAsync(first.LastScanned, 2, Everyone, CancellationToken.None);
        var last = await broker.ReadAfterAsync(second.LastScanned, 2, Everyone, CancellationToken.None);
        var beyond = await broker.ReadAfterAsync(last.LastScanned, 2, Everyone, CancellationToken.None);

        first.Entries.Select(entry => entry.Seq).ShouldBe(seqs[..2]);
        (first.Scanned, first.LastScanned).ShouldBe((2, seqs[1]));
        second.Entries.Select(entry => entry.Seq).ShouldBe(seqs[2..4]);
        (last.Scanned, last.LastScanned).ShouldBe((1, seqs[4]));
        (beyond.Scanned, beyond.LastScanned, beyond.Entries.Count).ShouldBe((0, seqs[4], 0), "nothing after the head: the next page would start where this one did");
        new[] { first, second, last, beyond }.ShouldAllBe(page => page.Head == seqs[4] && page.Floor == seqs[0] - 1);
    }

    [Fact]
    public async Task AReadReturnsEveryEntryAddressedToTheReadersRoomsNoneForOthersAndCountsWhatItScanned()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        var forCarol = await broker.AppendAsync(Entry(Guid.NewGuid(), ["admin", "user:carol"], "for carol"), null, CancellationToken.None);
        var forDave = await broker.AppendAsync(Entry(Guid.NewGuid(), ["admin", "user:dave"], "for dave"), null, CancellationToken.None);
        var forAll = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "for everyone"), null, CancellationToken.None);

        var page = await broker.ReadAfterAsync(forCarol.Seq - 1, 10, new HashSet<string>(["user:carol", "all"], StringComparer.Ordinal), CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe([forCarol.Seq, forAll.Seq]);
        page.Entries.ShouldNotContain(entry => entry.Seq == forDave.Seq);
        page.Scanned.ShouldBe(3);
        page.LastScanned.ShouldBe(forAll.Seq);
    }

    [Fact]
    public async Task TrimmingBySizeRaisesTheFloorToTheLastTrimmedSeq()
    {
        var broker = await CreateAsync(new EventHistoryOptions { MaxEvents = 3 });
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add((await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], $"event {i}"), null, CancellationToken.None)).Seq);
        }

        var page = await broker.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe(seqs[2..]);
        page.Floor.ShouldBe(seqs[1]);
        ResumeRules.GapReason(seqs[0], page.Floor, page.Head).ShouldBe(ResumeRules.BeyondHistory);
        ResumeRules.GapReason(seqs[1], page.Floor, page.Head).ShouldBeNull();
    }

    [Fact]
    public async Task TrimmingByBytesKeepsTheNewestEntriesWithinTheBoundAndRaisesTheFloor()
    {
        var size = Bytes(Entry(Guid.NewGuid(), ["all"], "event 0"));
        var broker = await CreateAsync(new EventHistoryOptions { MaxBytes = 3 * size + size / 2 });
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add((await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], $"event {i}"), null, CancellationToken.None)).Seq);
        }

        var page = await broker.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe(seqs[2..], "three entries fit the bound, a fourth does not");
        page.Floor.ShouldBe(seqs[1]);
        ResumeRules.GapReason(seqs[0], page.Floor, page.Head).ShouldBe(ResumeRules.BeyondHistory);
        ResumeRules.GapReason(seqs[1], page.Floor, page.Head).ShouldBeNull();
    }

    [Fact]
    public async Task AnEntryLargerThanTheByteBoundLeavesTheHistoryAtOnceAndAResumeFromBeforeItIsToldToReload()
    {
        var size = Bytes(Entry(Guid.NewGuid(), ["all"], "small"));
        var broker = await CreateAsync(new EventHistoryOptions { MaxBytes = 4 * size });
        var before = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "small"), null, CancellationToken.None);

        var large = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], new string('x', 5 * size)), null, CancellationToken.None);
        var afterLarge = await broker.ReadAfterAsync(before.Seq, 10, Everyone, CancellationToken.None);
        var next = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "small"), null, CancellationToken.None);
        var page = await broker.ReadAfterAsync(large.Seq, 10, Everyone, CancellationToken.None);

        large.Outcome.ShouldBe(AppendOutcome.New, "the event still has its seq (and is delivered live)");
        afterLarge.Entries.ShouldBeEmpty();
        afterLarge.Floor.ShouldBe(large.Seq, "everything up to the large entry was trimmed to make room, then the entry itself");
        ResumeRules.GapReason(before.Seq, afterLarge.Floor, afterLarge.Head).ShouldBe(ResumeRules.BeyondHistory);
        page.Entries.Select(entry => entry.Seq).ShouldBe([next.Seq], "the history goes on after it");
    }

    [Fact]
    public async Task TheByteBoundCountsOnlyWhatTrimmingByCountLeft()
    {
        var size = Bytes(Entry(Guid.NewGuid(), ["all"], "event 0"));
        var broker = await CreateAsync(new EventHistoryOptions { MaxEvents = 3, MaxBytes = 3 * size });
        var seqs = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            seqs.Add((await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], $"event {i}"), null, CancellationToken.None)).Seq);
        }

        var page = await broker.ReadAfterAsync(0, 10, Everyone, CancellationToken.None);

        page.Entries.Select(entry => entry.Seq).ShouldBe(seqs[3..], "the three entries the count bound keeps are exactly the byte bound");
        page.Floor.ShouldBe(seqs[2]);
    }

    [Fact]
    public async Task AGainIsRecordedAtTheNewestSeqAndACopyOfTheSameEventKeepsIt()
    {
        var broker = await CreateAsync(new EventHistoryOptions());
        var (carol, dave, addition) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var first = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "first"), null, CancellationToken.None);

        var gained = await broker.RecordGainAsync(carol, "group:study", addition, CancellationToken.None);
        var second = await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "second"), null, CancellationToken.None);
        var copy = await broker.RecordGainAsync(carol, "group:study", addition, CancellationToken.None);
        var promoted = await broker.RecordGainAsync(carol, "admin", Guid.NewGuid(), CancellationToken.None);
        var gains = await broker.GainsAsync(carol, CancellationToken.None);
        await broker.ForgetGainAsync(carol, "group:study", CancellationToken.None);
        var afterLeaving = await broker.GainsAsync(carol, CancellationToken.None);
        var again = await broker.RecordGainAsync(carol, "group:study", Guid.NewGuid(), CancellationToken.None);

        gained.ShouldBe(first.Seq, "every event appended after the gain lies above its boundary");
        copy.ShouldBe(first.Seq, "a redelivered copy of the change keeps the first boundary");
        promoted.ShouldBe(second.Seq);
        gains.ShouldBe(new Dictionary<string, long> { ["group:study"] = first.Seq, ["admin"] = second.Seq }, ignoreOrder: true);
        afterLeaving.ShouldBe(new Dictionary<string, long> { ["admin"] = second.Seq }, ignoreOrder: true);
        again.ShouldBe(second.Seq, "a gain after a loss has a boundary of its own");
        (await broker.GainsAsync(dave, CancellationToken.None)).ShouldBeEmpty();
    }

    internal static int Bytes(HistoryEntry entry) => System.Text.Encoding.UTF8.GetByteCount(entry.Body());

    /// <summary>Rooms that all count from the start, as a user's own room and <c>all</c> do.</summary>
    internal static IReadOnlyDictionary<string, long> FromTheStart(IEnumerable<string> rooms) =>
        rooms.ToDictionary(room => room, _ => 0L, StringComparer.Ordinal);

    [Fact]
    public async Task ATraceGivesAnEventsSeqDeliveryStateAndEntryWhileKeptAndNothingForAnUnknownId()
    {
        var broker = await CreateAsync(new EventHistoryOptions { MaxEvents = 2 });
        var traced = Guid.NewGuid();
        var appended = await broker.AppendAsync(Entry(traced, ["all"], "traced"), null, CancellationToken.None);

        var pending = await broker.TraceAsync(traced, CancellationToken.None);
        await broker.MarkDeliveredAsync(traced, appended.Seq, CancellationToken.None);
        var delivered = await broker.TraceAsync(traced, CancellationToken.None);
        var unknown = await broker.TraceAsync(Guid.NewGuid(), CancellationToken.None);
        await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "second"), null, CancellationToken.None);
        await broker.AppendAsync(Entry(Guid.NewGuid(), ["all"], "third"), null, CancellationToken.None);
        var trimmed = await broker.TraceAsync(traced, CancellationToken.None);

        pending.Seq.ShouldBe(appended.Seq);
        pending.Delivered.ShouldBe(false);
        pending.Entry.ShouldNotBeNull().EventId.ShouldBe(traced);
        pending.Entry.Audience.ShouldBe(["all"]);
        pending.AppendedAt.ShouldNotBeNull();
        pending.Epoch.ShouldBe(appended.Epoch);
        delivered.Delivered.ShouldBe(true);
        delivered.Entry.ShouldNotBeNull().ClientPayload().GetProperty("seq").GetInt64().ShouldBe(appended.Seq);
        unknown.ShouldBe(unknown with { Seq = null, Delivered = null, Entry = null, AppendedAt = null });
        trimmed.Seq.ShouldBe(appended.Seq, "the dedupe record outlives the entry");
        trimmed.Delivered.ShouldBe(true);
        trimmed.Entry.ShouldBeNull();
        trimmed.Floor.ShouldBeGreaterThanOrEqualTo(appended.Seq);
    }

    internal static HistoryEntry Entry(Guid eventId, string[] audience, string text) =>
        new(0, eventId, "CHANGED_DOCUMENT", audience, new JsonObject { ["text"] = text, ["eventId"] = eventId.ToString() });

    private static async Task<Listener> ListenAsync(IEventBroker broker)
    {
        var listener = new Listener();
        listener.Subscription = await broker.SubscribeAsync(listener.OnAnnounced, CancellationToken.None);
        return listener;
    }

    /// <summary>What one subscriber heard, in the order it heard it.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly Channel<AnnouncedEntry> _heard = Channel.CreateUnbounded<AnnouncedEntry>();
        private int _count;

        public IDisposable? Subscription { get; set; }

        public int Heard => Volatile.Read(ref _count);

        public void OnAnnounced(AnnouncedEntry announced)
        {
            Interlocked.Increment(ref _count);
            _heard.Writer.TryWrite(announced);
        }

        public async Task<List<AnnouncedEntry>> NextAsync(int count)
        {
            var announced = new List<AnnouncedEntry>(count);
            while (announced.Count < count)
            {
                announced.Add(await _heard.Reader.ReadAsync().AsTask().WaitAsync(TestRedis.Patience));
            }
            return announced;
        }

        public ValueTask DisposeAsync()
        {
            Subscription?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
