using Xunit;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Presence;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.Gateway.Tests.Presence;

/// <summary>This instance's connections become one report of net changes per flush.</summary>
public sealed class LocalCensusTests : IDisposable
{
    private readonly LocalRooms _rooms = new();
    private readonly LocalCensus _census;
    private readonly Guid _ada = Guid.NewGuid();
    private readonly RoomName _group = RoomName.Group(Guid.NewGuid());

    public LocalCensusTests() => _census = new LocalCensus(_rooms, "self", new HashSet<RoomKind> { RoomKind.Group, RoomKind.Root });

    public void Dispose() => _census.Dispose();

    [Fact]
    public void ManyConnectsBetweenTwoFlushesBecomeOneReportWithTheFinalCounts()
    {
        for (var connection = 0; connection < 1000; connection++)
        {
            _rooms.Connect($"c{connection}", Guid.NewGuid(), isAdmin: false, [RoomName.All]);
        }
        for (var connection = 0; connection < 400; connection++)
        {
            _rooms.Disconnect($"c{connection}");
        }

        var flush = _census.Flush();

        flush.Changes.ShouldNotBeNull().Version.ShouldBe(1);
        flush.Changes.Rooms.ShouldContain(new RoomCount("all", 600));
        flush.Changes.Users.Count.ShouldBe(600, "only users still connected are news; who came and went is not");
        flush.Changes.Users.ShouldAllBe(user => user.Connected);
        _census.Flush().Changes.ShouldBeNull("nothing happened since");
    }

    [Fact]
    public void AReconnectWithinOneFlushIsNoChange()
    {
        _rooms.Connect("c1", _ada, isAdmin: false, [RoomName.All, _group]);
        _census.Flush();

        _rooms.Disconnect("c1");
        _rooms.Connect("c2", _ada, isAdmin: false, [RoomName.All, _group]);

        _census.Flush().Changes.ShouldBeNull();
        _census.Version.ShouldBe(1);
    }

    [Fact]
    public void AUserIsReportedWithTheSharedRoomsOfTheirConnectionsOnly()
    {
        var root = RoomName.Root(Guid.NewGuid());
        _rooms.Connect("c1", _ada, isAdmin: true, [RoomName.User(_ada), RoomName.All, RoomName.Admin, _group]);
        _rooms.Connect("c2", _ada, isAdmin: true, [RoomName.User(_ada), RoomName.All, RoomName.Admin]);
        _rooms.Add("c2", root);

        var user = _census.Flush().Changes.ShouldNotBeNull().Users.ShouldHaveSingleItem();

        user.UserId.ShouldBe(_ada);
        user.Connected.ShouldBeTrue();
        user.Rooms.ShouldBe(new[] { _group.ToString(), root.ToString() }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheLastConnectionOfAUserClosingReportsThemGoneAndTheirRoomsEmpty()
    {
        _rooms.Connect("c1", _ada, isAdmin: false, [RoomName.User(_ada), _group]);
        _rooms.Connect("c2", _ada, isAdmin: false, [RoomName.User(_ada), _group]);
        _census.Flush();

        _rooms.Disconnect("c1");
        var afterFirst = _census.Flush().Changes.ShouldNotBeNull();
        afterFirst.Rooms.ShouldContain(new RoomCount(_group.ToString(), 1));
        afterFirst.Users.ShouldBeEmpty("she is still connected, in the same rooms");

        _rooms.Disconnect("c2");
        var afterLast = _census.Flush().Changes.ShouldNotBeNull();
        afterLast.Rooms.ShouldContain(new RoomCount(_group.ToString(), 0));
        afterLast.Users.ShouldHaveSingleItem().Connected.ShouldBeFalse();
        _census.State().Rooms.ShouldBeEmpty();
        _census.State().Users.ShouldBeEmpty();
    }

    [Fact]
    public void AConnectionEnteringAdminIsOwedAFullList()
    {
        _rooms.Connect("c1", _ada, isAdmin: true, [RoomName.All, RoomName.Admin]);
        _rooms.Connect("c2", Guid.NewGuid(), isAdmin: false, [RoomName.All]);

        _census.Flush().EnteredAdmin.ShouldBe(["c1"]);
        _census.Flush().EnteredAdmin.ShouldBeEmpty();
    }

    [Fact]
    public void AConnectionLeavingAdminOrClosingIsNoLongerOwedUpdates()
    {
        _rooms.Connect("c1", _ada, isAdmin: true, [RoomName.All, RoomName.Admin]);
        _rooms.Connect("c2", _ada, isAdmin: true, [RoomName.All, RoomName.Admin]);
        _census.Flush();

        _rooms.Remove("c1", RoomName.Admin);
        _rooms.Disconnect("c2");

        var flush = _census.Flush();
        flush.LeftAdmin.Order(StringComparer.Ordinal).ShouldBe(["c1", "c2"]);
        flush.EnteredAdmin.ShouldBeEmpty();
    }

    [Fact]
    public void TheStateHoldsWhatWasReportedAtTheCurrentVersion()
    {
        _rooms.Connect("c1", _ada, isAdmin: false, [RoomName.All, _group]);
        _census.Flush();

        var state = _census.State();

        state.Kind.ShouldBe(CensusReportKind.State);
        state.Version.ShouldBe(_census.Version);
        state.Rooms.OrderBy(room => room.Room).ShouldBe([new RoomCount("all", 1), new RoomCount(_group.ToString(), 1)]);
        state.Users.ShouldHaveSingleItem().Rooms.ShouldBe([_group.ToString()]);
    }
}
