using FsCheck;
using FsCheck.Fluent;
using Roomcast.Contracts.Rooms;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Contracts;

public sealed class RoomNameTests
{
    [Theory]
    [InlineData("all", RoomKind.All)]
    [InlineData("admin", RoomKind.Admin)]
    [InlineData("user:6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab", RoomKind.User)]
    [InlineData("group:6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab", RoomKind.Group)]
    [InlineData("root:6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab", RoomKind.Root)]
    public void EveryKindOfRoomParsesAndPrintsBackTheSame(string name, RoomKind kind)
    {
        var room = RoomName.Parse(name);
        room.Kind.ShouldBe(kind);
        room.ToString().ShouldBe(name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ALL")]
    [InlineData("everyone")]
    [InlineData("user:")]
    [InlineData("user:not-a-uuid")]
    [InlineData("user:00000000-0000-0000-0000-000000000000")]
    [InlineData("user:6F1C2A9E-1B7D-4C3E-9A8F-0123456789AB")]
    [InlineData("user:{6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab}")]
    [InlineData("user:6f1c2a9e1b7d4c3e9a8f0123456789ab")]
    [InlineData(" user:6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab")]
    [InlineData("team:6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab")]
    [InlineData("root:6f1c2a9e-1b7d-4c3e-9a8f-0123456789ab:x")]
    public void ANameOutsideTheGrammarIsRefused(string name)
    {
        RoomName.TryParse(name, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => RoomName.Parse(name));
    }

    [Fact]
    public void ARoomCannotBeBuiltForTheEmptyId()
    {
        Should.Throw<ArgumentException>(() => RoomName.User(Guid.Empty));
        Should.Throw<ArgumentException>(() => RoomName.Group(Guid.Empty));
        Should.Throw<ArgumentException>(() => RoomName.Root(Guid.Empty));
    }

    [Fact]
    public void AnyBuiltRoomSurvivesARoundTripThroughItsName()
    {
        Prop.ForAll<Guid, byte>((id, kind) =>
        {
            if (id == Guid.Empty)
            {
                return true;
            }

            var room = (kind % 5) switch
            {
                0 => RoomName.User(id),
                1 => RoomName.Group(id),
                2 => RoomName.Root(id),
                3 => RoomName.All,
                _ => RoomName.Admin,
            };
            return RoomName.Parse(room.ToString()) == room;
        }).QuickCheckThrowOnFailure();
    }
}
