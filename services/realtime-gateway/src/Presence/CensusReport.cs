namespace Roomcast.RealtimeGateway.Presence;

public enum CensusReportKind : byte
{
    /// <summary>Everything the instance holds, replacing what the receiver knew of it.</summary>
    State = 1,

    /// <summary>What changed since the previous version; applies only on top of exactly that version.</summary>
    Changes = 2,

    /// <summary>Alive, at this version.</summary>
    Heartbeat = 3,

    /// <summary>The sender misses someone's state: every instance answers with its <see cref="State"/>.</summary>
    StateRequest = 4,

    /// <summary>The instance is stopping: forget it now rather than after the timeout.</summary>
    Gone = 5,
}

/// <summary>A room and how many connections of one instance are in it; 0 when it has none there any more.</summary>
public readonly record struct RoomCount(string Room, int Count);

/// <summary>
/// A user as one instance sees them: <paramref name="Connected"/> while they have a connection there,
/// and the rooms of the shared kinds those connections are in (where their presence is announced).
/// </summary>
public sealed record UserRooms(Guid UserId, bool Connected, IReadOnlyList<string> Rooms);

/// <summary>
/// What one gateway instance tells the others about its connections. <see cref="Epoch"/> is new on
/// every start, so a restarted instance with the same id is not mistaken for the old one;
/// <see cref="Version"/> grows by one with each <see cref="CensusReportKind.Changes"/>, so a receiver
/// notices a lost report and asks for the state again.
/// </summary>
public sealed record CensusReport(
    CensusReportKind Kind,
    string Origin,
    Guid Epoch,
    long Version,
    IReadOnlyList<RoomCount> Rooms,
    IReadOnlyList<UserRooms> Users)
{
    public static CensusReport Signal(CensusReportKind kind, string origin, Guid epoch, long version) =>
        new(kind, origin, epoch, version, [], []);
}
