using Xunit;
using Roomcast.Contracts.Rooms;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.Gateway.Tests.Rooms;

public sealed class LocalRoomsTests
{
    private static readonly Guid Ann = Guid.NewGuid();
    private static readonly Guid Ben = Guid.NewGuid();
    private static readonly RoomName Group = RoomName.Group(Guid.NewGuid());
    private static readonly RoomName Root = RoomName.Root(Guid.NewGuid());

    [Fact]
    public void AnAudienceResolvesToEachConnectionOnceExceptTheOrigin()
    {
        var rooms = new LocalRooms();
        rooms.Connect("a1", Ann, isAdmin: false, [RoomName.User(Ann), RoomName.All, Group]);
        rooms.Connect("a2", Ann, isAdmin: false, [RoomName.User(Ann), RoomName.All]);
        rooms.Connect("b1", Ben, isAdmin: true, [RoomName.User(Ben), RoomName.All, RoomName.Admin]);

        rooms.ConnectionsIn([RoomName.All.ToString(), Group.ToString(), RoomName.User(Ann).ToString()], except: null).ShouldBe(["a1", "a2", "b1"], ignoreOrder: true);
        rooms.ConnectionsIn([Group.ToString(), RoomName.Admin.ToString()], except: "b1").ShouldBe(["a1"]);
        rooms.ConnectionsIn([Root.ToString()], except: null).ShouldBeEmpty();
    }

    [Fact]
    public void AnUnsettledConnectionTakesEventsButIsReportedOnlyOnceSettledWithTheRoomsItHoldsThen()
    {
        var rooms = new LocalRooms();
        var changes = new List<RoomChange>();
        rooms.Changed += changes.Add;

        rooms.Connect("a1", Ann, isAdmin: false, [RoomName.User(Ann), RoomName.All], settled: false);
        rooms.SetRole("a1", isAdmin: true, roleVersion: 1);
        rooms.Add("a1", Group);
        rooms.ConnectionsIn([RoomName.Admin.ToString()], except: null).ShouldBe(["a1"], "delivery does not wait for the connect to settle");
        changes.ShouldBeEmpty("room counts and presence must not see a connection halfway through its connect");

        rooms.Settle("a1");
        changes.Where(change => change.Joined).Select(change => change.Room).ShouldBe([RoomName.User(Ann), RoomName.All, RoomName.Admin, Group], ignoreOrder: true);
        rooms.Remove("a1", Group).ShouldBeTrue();
        changes.Last().ShouldBe(new RoomChange("a1", Ann, Group, Joined: false));

        rooms.Connect("a2", Ann, isAdmin: false, [RoomName.User(Ann)], settled: false);
        var before = changes.Count;
        rooms.Disconnect("a2");
        changes.Count.ShouldBe(before, "a connection that never settled was never reported, so neither is its leaving");
    }

    [Fact]
    public void AnOriginConnectionIsSkippableOnlyAsItsOwnersConnection()
    {
        var rooms = new LocalRooms();
        rooms.Connect("a1", Ann, isAdmin: false, [RoomName.User(Ann)]);

        rooms.OwnConnectionOf(Ann, "a1").ShouldBe("a1");
        rooms.OwnConnectionOf(Ben, "a1").ShouldBeNull("another user naming ann's connection must not keep events from it");
        rooms.OwnConnectionOf(Ann, "elsewhere").ShouldBeNull();
        rooms.OwnConnectionOf(Ann, null).ShouldBeNull();
    }

    [Fact]
    public void ARoleMovesTheConnectionInAndOutOfAdminAndAnOlderRoleCannotUndoANewerOne()
    {
        var rooms = new LocalRooms();
        var changes = new List<RoomChange>();
        rooms.Connect("a1", Ann, isAdmin: false, [RoomName.User(Ann)]);
        rooms.Changed += changes.Add;

        rooms.SetRole("a1", isAdmin: true, roleVersion: 0).ShouldBe(RoleMove.Promoted, "the token's word, while no event told of the role");
        rooms.MembersOf(RoomName.Admin).ShouldBe(["a1"]);
        rooms.SetRole("a1", isAdmin: false, roleVersion: 3).ShouldBe(RoleMove.Demoted);
        rooms.MembersOf(RoomName.Admin).ShouldBeEmpty();
        rooms.TryGetOwner("a1", out _, out var isAdmin).ShouldBeTrue();
        isAdmin.ShouldBeFalse();

        rooms.SetRole("a1", isAdmin: true, roleVersion: 2).ShouldBe(RoleMove.None, "read before the demotion: too old");
        rooms.SetRole("a1", isAdmin: false, roleVersion: 3).ShouldBe(RoleMove.None, "a replay");
        rooms.MembersOf(RoomName.Admin).ShouldBeEmpty();
        changes.ShouldBe([new RoomChange("a1", Ann, RoomName.Admin, true), new RoomChange("a1", Ann, RoomName.Admin, false)]);
    }

    [Fact]
    public void AUsersConnectionsMoveTogetherAndEveryMoveIsReported()
    {
        var rooms = new LocalRooms();
        var changes = new List<RoomChange>();
        rooms.Changed += changes.Add;
        rooms.Connect("a1", Ann, isAdmin: false, [RoomName.User(Ann)]);
        rooms.Connect("a2", Ann, isAdmin: false, [RoomName.User(Ann)]);
        rooms.Connect("b1", Ben, isAdmin: false, [RoomName.User(Ben)]);
        changes.Clear();

        rooms.AddUser(Ann, Group).ShouldBe(2);
        rooms.AddUser(Ann, Group).ShouldBe(0, "already in: no second entry, no second report");
        rooms.MembersOf(Group).ShouldBe(["a1", "a2"], ignoreOrder: true);
        changes.ShouldBe([new RoomChange("a1", Ann, Group, true), new RoomChange("a2", Ann, Group, true)], ignoreOrder: true);

        changes.Clear();
        rooms.RemoveUser(Ann, Group).ShouldBe(2);
        rooms.MembersOf(Group).ShouldBeEmpty();
        rooms.Counts().Keys.ShouldNotContain(Group.ToString());
        changes.ShouldBe([new RoomChange("a1", Ann, Group, false), new RoomChange("a2", Ann, Group, false)], ignoreOrder: true);
    }

    [Fact]
    public void ADisconnectLeavesEveryRoomAndForgetsTheConnection()
    {
        var rooms = new LocalRooms();
        rooms.Connect("a1", Ann, isAdmin: true, [RoomName.User(Ann), RoomName.All, RoomName.Admin]);
        rooms.Add("a1", Root).ShouldBeTrue();
        rooms.Counts().OrderBy(count => count.Key).ShouldBe(new Dictionary<string, int> { [RoomName.User(Ann).ToString()] = 1, ["all"] = 1, ["admin"] = 1, [Root.ToString()] = 1 }.OrderBy(count => count.Key));
        var left = new List<RoomChange>();
        rooms.Changed += left.Add;

        rooms.Disconnect("a1");

        left.Select(change => change.Room).ShouldBe([RoomName.User(Ann), RoomName.All, RoomName.Admin, Root], ignoreOrder: true);
        left.ShouldAllBe(change => !change.Joined && change.UserId == Ann);
        rooms.Counts().ShouldBeEmpty();
        rooms.ConnectionsOf(Ann).ShouldBeEmpty();
        rooms.TryGetOwner("a1", out _, out _).ShouldBeFalse();
        rooms.Add("a1", Root).ShouldBeFalse("a gone connection cannot enter a room");
        rooms.MembersOf(Root).ShouldBeEmpty();
    }

    [Fact]
    public void AConnectionIdCannotBeRegisteredTwice()
    {
        var rooms = new LocalRooms();
        rooms.Connect("a1", Ann, isAdmin: false, []);
        Should.Throw<InvalidOperationException>(() => rooms.Connect("a1", Ben, isAdmin: false, []));
        rooms.TryGetOwner("a1", out var owner, out var isAdmin).ShouldBeTrue();
        owner.ShouldBe(Ann);
        isAdmin.ShouldBeFalse();
    }
}
