using Xunit;
using Roomcast.RealtimeGateway.Presence;

namespace Roomcast.Gateway.Tests.Presence;

/// <summary>The census sums every live instance's connections and reports only net changes.</summary>
public sealed class ClusterCensusTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Guid _selfEpoch = Guid.NewGuid();
    private readonly Guid _peerEpoch = Guid.NewGuid();
    private readonly Guid _ada = Guid.NewGuid();
    private readonly ClusterCensus _census;

    public ClusterCensusTests() => _census = new ClusterCensus("self", _selfEpoch);

    [Fact]
    public void CountsAreSummedOverInstances()
    {
        _census.Apply(Changes("self", _selfEpoch, 1, [new("all", 3), new("admin", 1)]), now: 0);
        _census.Apply(State("peer", _peerEpoch, 7, [new("all", 2)]), now: 0);

        _census.Totals().ShouldBe(new Dictionary<string, int> { ["all"] = 5, ["admin"] = 1 });
        _census.TakeChanges().Rooms.ShouldBe(new Dictionary<string, int> { ["all"] = 5, ["admin"] = 1 });
    }

    [Fact]
    public void AThousandReconnectsBetweenTwoTakesAreOneChangeOrNone()
    {
        _census.Apply(Changes("self", _selfEpoch, 1, [new("all", 1)]), now: 0);
        _census.TakeChanges();

        var version = 1L;
        for (var reconnect = 0; reconnect < 1000; reconnect++)
        {
            _census.Apply(Changes("self", _selfEpoch, ++version, [new("all", 0)]), now: 0);
            _census.Apply(Changes("self", _selfEpoch, ++version, [new("all", 1)]), now: 0);
        }
        _census.TakeChanges().IsEmpty.ShouldBeTrue("the count ended where it started");

        _census.Apply(Changes("self", _selfEpoch, ++version, [new("all", 2)]), now: 0);
        _census.Apply(Changes("self", _selfEpoch, ++version, [new("all", 4)]), now: 0);
        _census.TakeChanges().Rooms.ShouldBe(new Dictionary<string, int> { ["all"] = 4 });
    }

    [Fact]
    public void ARoomThatEmptiedIsReportedAsZeroAndLeavesTheTotals()
    {
        _census.Apply(Changes("self", _selfEpoch, 1, [new("root:x", 2)]), now: 0);
        _census.TakeChanges();

        _census.Apply(Changes("self", _selfEpoch, 2, [new("root:x", 0)]), now: 0);

        _census.TakeChanges().Rooms.ShouldBe(new Dictionary<string, int> { ["root:x"] = 0 });
        _census.Totals().ShouldBeEmpty();
    }

    [Fact]
    public void AnInstanceNotHeardFromWithinTheTimeoutLeavesTheCountsAndItsUsersGoOffline()
    {
        _census.Apply(State("peer", _peerEpoch, 3, [new("all", 2), new("group:g", 1)], [new(_ada, true, ["group:g"])]), now: 0);
        _census.TakeChanges();

        _census.Expire(now: 9_000, Timeout).ShouldBeEmpty();
        _census.Apply(Heartbeat("peer", _peerEpoch, 3), now: 9_000).ShouldBe(CensusApplied.Applied);
        _census.Expire(now: 18_000, Timeout).ShouldBeEmpty("the heartbeat kept it alive");

        _census.Expire(now: 19_001, Timeout).ShouldBe(["peer"]);
        var changes = _census.TakeChanges();
        changes.Rooms.ShouldBe(new Dictionary<string, int> { ["all"] = 0, ["group:g"] = 0 });
        changes.Presence.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            transition => transition.UserId.ShouldBe(_ada),
            transition => transition.Online.ShouldBeFalse(),
            transition => transition.Rooms.ShouldBe(["group:g"]));
        _census.Instances.ShouldBe(["self"]);
    }

    [Fact]
    public void ThisInstanceNeverExpires()
    {
        _census.Apply(Changes("self", _selfEpoch, 1, [new("all", 1)]), now: 0);

        _census.Expire(now: 1_000_000, Timeout).ShouldBeEmpty();
        _census.Totals()["all"].ShouldBe(1);
    }

    [Fact]
    public void ASecondConnectionIsNoNewOnlineAndTheLastOneClosingIsOffline()
    {
        _census.Apply(Changes("self", _selfEpoch, 1, [], [new(_ada, true, ["group:g"])]), now: 0);
        _census.TakeChanges().Presence.ShouldHaveSingleItem().Online.ShouldBeTrue();

        // Another instance gets a second connection of hers: still online, nothing to say.
        _census.Apply(State("peer", _peerEpoch, 1, [], [new(_ada, true, ["group:g"])]), now: 0);
        _census.TakeChanges().Presence.ShouldBeEmpty();

        _census.Apply(Changes("self", _selfEpoch, 2, [], [new(_ada, false, [])]), now: 0);
        _census.TakeChanges().Presence.ShouldBeEmpty("her connection on the other instance is still open");

        _census.Apply(Changes("peer", _peerEpoch, 2, [], [new(_ada, false, [])]), now: 0);
        var offline = _census.TakeChanges().Presence.ShouldHaveSingleItem();
        offline.Online.ShouldBeFalse();
        offline.Rooms.ShouldBe(["group:g"], "offline goes to the rooms she was in");
    }

    [Fact]
    public void OnlineAndOfflineWithinOneRoundIsNoTransition()
    {
        _census.Apply(Changes("self", _selfEpoch, 1, [], [new(_ada, true, ["group:g"])]), now: 0);
        _census.Apply(Changes("self", _selfEpoch, 2, [], [new(_ada, false, [])]), now: 0);

        _census.TakeChanges().Presence.ShouldBeEmpty();
    }

    [Fact]
    public void OnlineGoesToTheUnionOfTheUsersSharedRoomsOnEveryInstance()
    {
        _census.Apply(State("peer", _peerEpoch, 1, [], [new(_ada, true, ["group:a"])]), now: 0);
        _census.Apply(Changes("self", _selfEpoch, 1, [], [new(_ada, true, ["group:b"])]), now: 0);

        _census.TakeChanges().Presence.ShouldHaveSingleItem().Rooms.OrderBy(room => room).ShouldBe(["group:a", "group:b"]);
    }

    [Fact]
    public void ALostChangeIsNoticedAndTheStateReplacesWhatWasKnown()
    {
        _census.Apply(State("peer", _peerEpoch, 1, [new("all", 1)]), now: 0).ShouldBe(CensusApplied.Applied);

        _census.Apply(Changes("peer", _peerEpoch, 3, [new("all", 9)]), now: 0).ShouldBe(CensusApplied.NeedsState, "version 2 was lost");
        _census.Apply(Heartbeat("peer", _peerEpoch, 3), now: 0).ShouldBe(CensusApplied.NeedsState);
        _census.Totals()["all"].ShouldBe(1);

        _census.Apply(State("peer", _peerEpoch, 3, [new("admin", 1)]), now: 0).ShouldBe(CensusApplied.Applied);
        _census.Totals().ShouldBe(new Dictionary<string, int> { ["admin"] = 1 });
        _census.Apply(Changes("peer", _peerEpoch, 3, [new("all", 9)]), now: 0).ShouldBe(CensusApplied.Ignored, "already in the state");
    }

    [Fact]
    public void AnUnknownInstanceOrARestartedOneIsAskedForItsState()
    {
        _census.Apply(Heartbeat("peer", _peerEpoch, 0), now: 0).ShouldBe(CensusApplied.NeedsState);
        _census.Apply(Changes("peer", _peerEpoch, 1, [new("all", 1)]), now: 0).ShouldBe(CensusApplied.NeedsState);
        _census.Apply(State("peer", _peerEpoch, 1, [new("all", 1)]), now: 0);

        var restarted = Guid.NewGuid();
        _census.Apply(Changes("peer", restarted, 1, [new("all", 5)]), now: 0).ShouldBe(CensusApplied.NeedsState);
        _census.Apply(State("peer", restarted, 0, []), now: 0).ShouldBe(CensusApplied.Applied);
        _census.Totals().ShouldBeEmpty("the restarted instance's state replaced the old one's");
    }

    [Fact]
    public void AnInstanceThatSaysItIsGoingIsForgottenAtOnce()
    {
        _census.Apply(State("peer", _peerEpoch, 1, [new("all", 2)], [new(_ada, true, [])]), now: 0);
        _census.TakeChanges();

        _census.Apply(CensusReport.Signal(CensusReportKind.Gone, "peer", _peerEpoch, 1), now: 0).ShouldBe(CensusApplied.Applied);

        var changes = _census.TakeChanges();
        changes.Rooms.ShouldBe(new Dictionary<string, int> { ["all"] = 0 });
        changes.Presence.ShouldHaveSingleItem().Online.ShouldBeFalse();
    }

    [Fact]
    public void ReportsSurviveTheWire()
    {
        var report = new CensusReport(CensusReportKind.Changes, "gw-1", _peerEpoch, 42, [new("all", 3), new("root:r", 0)], [new(_ada, true, ["group:g", "root:r"]), new(Guid.NewGuid(), false, [])]);

        var read = CensusFraming.Read(CensusFraming.Write(report));

        read.ShouldSatisfyAllConditions(
            () => (read.Kind, read.Origin, read.Epoch, read.Version).ShouldBe((report.Kind, report.Origin, report.Epoch, report.Version)),
            () => read.Rooms.ShouldBe(report.Rooms),
            () => read.Users.Select(user => (user.UserId, user.Connected, string.Join(",", user.Rooms)))
                .ShouldBe(report.Users.Select(user => (user.UserId, user.Connected, string.Join(",", user.Rooms)))));
    }

    private static CensusReport Changes(string origin, Guid epoch, long version, RoomCount[] rooms, UserRooms[]? users = null) =>
        new(CensusReportKind.Changes, origin, epoch, version, rooms, users ?? []);

    private static CensusReport State(string origin, Guid epoch, long version, RoomCount[] rooms, UserRooms[]? users = null) =>
        new(CensusReportKind.State, origin, epoch, version, rooms, users ?? []);

    private static CensusReport Heartbeat(string origin, Guid epoch, long version) =>
        CensusReport.Signal(CensusReportKind.Heartbeat, origin, epoch, version);
}
