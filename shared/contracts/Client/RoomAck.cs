namespace Roomcast.Contracts.Client;

/// <summary>The answer to <c>JOIN_ROOM</c> / <c>LEAVE_ROOM</c>: the room, and whether the connection is in it now. A refusal is a hub error with its reason instead.</summary>
public sealed record RoomAck(string Room, bool Member);
