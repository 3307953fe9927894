using Roomcast.Contracts.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.History;
using Xunit;

namespace Roomcast.Gateway.Tests.History;

/// <summary><c>Resume</c> over the in-process history a gateway without Redis uses: the same rules the Redis history follows.</summary>
public sealed class EventResumeTests
{
    private static readonly IReadOnlyDictionary<string, long> CarolsRooms = EventBrokerSpecification.FromTheStart(["user:carol", "all", "group:study"]);
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    [Fact]
    public async Task ResumeAnswersTheEventsOfTheConnectionsRoomsOnceEachInSeqOrder()
    {
        var (history, resume) = Create(new EventHistoryOptions());
        var (lastSeq, _, epoch) = await AppendAsync(history, "user:carol", "before");
        await AppendAsync(history, "user:carol", "one");
        await AppendAsync(history, "user:dave", "not for carol");
        await AppendAsync(history, "group:study", "two");
        await AppendAsync(history, "admin", "admins only");
        // In two of carol's rooms: still once.
        await AppendAsync(history, ["all", "user:carol"], "three");

        var result = await resume.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);

        result.Reload.ShouldBeFalse(result.Reason);
        result.Events.Select(missed => missed.Payload.GetProperty("text").GetString()).ShouldBe(["one", "two", "three"]);
        var seqs = result.Events.Select(missed => missed.Payload.GetProperty("seq").GetInt64()).ToList();
        seqs.ShouldBe(seqs.Order().Distinct());
        seqs.ShouldAllBe(seq => seq > lastSeq);
        result.HeadSeq.ShouldBe(seqs[^1]);
    }

    [Fact]
    public async Task ResumeReadsPastOnePageOfTheHistory()
    {
        var (history, resume) = Create(new EventHistoryOptions());
        var (lastSeq, _, epoch) = await AppendAsync(history, "all", "before");
        var count = EventResume.PageSize * 2 + 7;
        for (var i = 0; i < count; i++)
        {
            await AppendAsync(history, i % 2 == 0 ? "all" : "user:dave", $"event {i}");
        }

        var result = await resume.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);

        result.Reload.ShouldBeFalse(result.Reason);
        result.Events.Count.ShouldBe((count + 1) / 2);
        result.Events[^1].Payload.GetProperty("text").GetString().ShouldBe($"event {count - 1}");
    }

    [Fact]
    public async Task AResumeReadsABoundedStretchAndTheClientGoesOnFromWhereItStopped()
    {
        var (history, resume) = Create(new EventHistoryOptions { MaxResumeScan = EventResume.PageSize });
        var (lastSeq, _, epoch) = await AppendAsync(history, "all", "before");
        for (var i = 0; i < EventResume.PageSize * 3; i++)
        {
            await AppendAsync(history, i % 100 == 0 ? "user:carol" : "user:dave", $"event {i}");
        }

        var calls = 0;
        var missed = new List<string>();
        ResumeResult result;
        do
        {
            result = await resume.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);
            result.Reload.ShouldBeFalse(result.Reason);
            missed.AddRange(result.Events.Select(missedEvent => missedEvent.Payload.GetProperty("text").GetString()!));
            lastSeq = result.HeadSeq;
            calls++;
        }
        while (result.More);

        calls.ShouldBe(3, "each call reads one page of 256 entries at most");
        missed.ShouldBe(Enumerable.Range(0, EventResume.PageSize * 3).Where(i => i % 100 == 0).Select(i => $"event {i}"));
    }

    [Fact]
    public async Task MoreMissedEventsThanAResumeAnswersMeansReloadNotAPartialAnswer()
    {
        var (history, resume) = Create(new EventHistoryOptions { MaxResumeEvents = 3 });
        var (lastSeq, _, epoch) = await AppendAsync(history, "all", "before");
        for (var i = 0; i < 4; i++)
        {
            await AppendAsync(history, "all", $"event {i}");
        }

        var result = await resume.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);

        result.Reload.ShouldBeTrue();
        result.Reason.ShouldBe(ResumeRules.TooManyMissed);
        result.Events.ShouldBeEmpty();
    }

    [Fact]
    public async Task AGapTrimmedBySizeMeansReloadEvenWhenTheTrimmedEventsWereForOthers()
    {
        var (history, resume) = Create(new EventHistoryOptions { MaxEvents = 5 });
        var (lastSeq, _, epoch) = await AppendAsync(history, "user:carol", "before");
        // Six more: "before" and the first of them are trimmed.
        for (var i = 0; i < 6; i++)
        {
            await AppendAsync(history, "user:dave", $"event {i}");
        }

        var result = await resume.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);

        result.Reload.ShouldBeTrue();
        result.Reason.ShouldBe(ResumeRules.BeyondHistory);
        (await resume.ResumeHeldAsync(lastSeq + 1, epoch, CarolsRooms, CancellationToken.None)).Reload.ShouldBeFalse("from the first kept event on, nothing is missing");
    }

    [Fact]
    public async Task AGapOlderThanTheHistoryAgeMeansReload()
    {
        var (history, resume) = Create(new EventHistoryOptions { MaxAge = TimeSpan.FromMinutes(1) });
        var (lastSeq, _, epoch) = await AppendAsync(history, "all", "before");
        await AppendAsync(history, "all", "old");
        _clock.Advance(TimeSpan.FromMinutes(2));

        var result = await resume.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);

        result.Reload.ShouldBeTrue();
        result.Reason.ShouldBe(ResumeRules.BeyondHistory);
    }

    [Fact]
    public async Task APositionFromBeforeARestartMeansReload()
    {
        var (before, _) = Create(new EventHistoryOptions());
        var (lastSeq, _, epoch) = await AppendAsync(before, "all", "before the restart");
        _clock.Advance(TimeSpan.FromSeconds(1));
        var (_, afterRestart) = Create(new EventHistoryOptions());

        var result = await afterRestart.ResumeHeldAsync(lastSeq, epoch, CarolsRooms, CancellationToken.None);

        result.Reload.ShouldBeTrue();
        result.Reason.ShouldBe(ResumeRules.OtherEpoch);
    }

    [Fact]
    public async Task ResumeLeavesOutWhatPassedInAGroupBeforeTheUserGainedItButNotWhatCameAfter()
    {
        var (history, resume) = Create(new EventHistoryOptions());
        var (carol, study, plan) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var (group, own) = (RoomName.Group(study).ToString(), RoomName.User(carol).ToString());
        var (lastSeq, _, epoch) = await AppendAsync(history, "all", "before");
        await AppendAsync(history, group, "group, before carol");
        await AppendAsync(history, [group, own], "named to carol herself");
        await history.RecordGainAsync(carol, group, Guid.NewGuid(), CancellationToken.None);
        await AppendAsync(history, [group, own], "carol added");
        await AppendAsync(history, group, "group, after carol");
        await AppendAsync(history, RoomName.Root(plan).ToString(), "a root carol joined, addressed to nobody else");

        var result = await resume.ResumeAsync(lastSeq, epoch, carol, [RoomName.User(carol), RoomName.All, RoomName.Group(study), RoomName.Root(plan)], CancellationToken.None);

        result.Reload.ShouldBeFalse(result.Reason);
        result.Events.Select(missed => missed.Payload.GetProperty("text").GetString()).ShouldBe(["named to carol herself", "carol added", "group, after carol"]);
    }

    private (InMemoryEventBroker History, EventResume Resume) Create(EventHistoryOptions options)
    {
        var history = new InMemoryEventBroker(options, _clock, "in-memory", NullLogger.Instance);
        return (history, new EventResume(history, options, NullLogger<EventResume>.Instance));
    }

    private static Task<HistoryAppend> AppendAsync(IEventBroker history, string room, string text) => AppendAsync(history, [room], text);

    private static Task<HistoryAppend> AppendAsync(IEventBroker history, string[] audience, string text) =>
        history.AppendAsync(EventBrokerSpecification.Entry(Guid.NewGuid(), audience, text), null, CancellationToken.None);
}
