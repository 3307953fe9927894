using System.Diagnostics.CodeAnalysis;

namespace Roomcast.Contracts.Rooms;

/// <summary>
/// A room name from the grammar every service shares: <c>user:{uuid}</c>, <c>group:{uuid}</c>,
/// <c>root:{uuid}</c>, <c>all</c>, <c>admin</c>. Rooms are only ever built here, so a typo can
/// never send an event to a room nobody joins.
/// </summary>
public readonly record struct RoomName
{
    private const string UserPrefix = "user:";
    private const string GroupPrefix = "group:";
    private const string RootPrefix = "root:";
    private const string AllName = "all";
    private const string AdminName = "admin";

    private RoomName(RoomKind kind, Guid id)
    {
        Kind = kind;
        Id = id;
    }

    public RoomKind Kind { get; }

    /// <summary>The user, group or root id; <see cref="Guid.Empty"/> for <c>all</c> and <c>admin</c>.</summary>
    public Guid Id { get; }

    public static RoomName All { get; } = new(RoomKind.All, Guid.Empty);

    public static RoomName Admin { get; } = new(RoomKind.Admin, Guid.Empty);

    public static RoomName User(Guid userId) => new(RoomKind.User, RequireId(userId, nameof(userId)));

    public static RoomName Group(Guid groupId) => new(RoomKind.Group, RequireId(groupId, nameof(groupId)));

    public static RoomName Root(Guid rootId) => new(RoomKind.Root, RequireId(rootId, nameof(rootId)));

    public static RoomName Parse(string value) =>
        TryParse(value, out var room)
            ? room
            : throw new FormatException(
                $"'{value}' is not a room name: expected user:{{uuid}}, group:{{uuid}}, root:{{uuid}}, all or admin.");

    public static bool TryParse([NotNullWhen(true)] string? value, out RoomName room)
    {
        room = default;
        switch (value)
        {
            case null:
                return false;
            case AllName:
                room = All;
                return true;
            case AdminName:
                room = Admin;
                return true;
        }

        return TryParseWithId(value, UserPrefix, RoomKind.User, out room)
            || TryParseWithId(value, GroupPrefix, RoomKind.Group, out room)
            || TryParseWithId(value, RootPrefix, RoomKind.Root, out room);
    }

    public override string ToString() => Kind switch
    {
        RoomKind.User => UserPrefix + Id.ToString("D"),
        RoomKind.Group => GroupPrefix + Id.ToString("D"),
        RoomKind.Root => RootPrefix + Id.ToString("D"),
        RoomKind.All => AllName,
        RoomKind.Admin => AdminName,
        _ => throw new InvalidOperationException($"Unknown room kind {Kind}."),
    };

    private static bool TryParseWithId(string value, string prefix, RoomKind kind, out RoomName room)
    {
        room = default;
        // Only the canonical lower-case 36-character form is accepted, so one room has one name.
        if (!value.StartsWith(prefix, StringComparison.Ordinal) || value.Length != prefix.Length + 36)
        {
            return false;
        }

        var idText = value.AsSpan(prefix.Length);
        if (!Guid.TryParseExact(idText, "D", out var id) || id == Guid.Empty || !idText.SequenceEqual(id.ToString("D")))
        {
            return false;
        }

        room = new RoomName(kind, id);
        return true;
    }

    private static Guid RequireId(Guid id, string parameter) =>
        id == Guid.Empty ? throw new ArgumentException("A room id must not be the empty UUID.", parameter) : id;
}
