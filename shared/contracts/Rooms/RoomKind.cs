namespace Roomcast.Contracts.Rooms;

/// <summary>The five kinds of room a connection can be in.</summary>
public enum RoomKind
{
    User,
    Group,
    Root,
    All,
    Admin,
}
