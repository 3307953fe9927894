using Roomcast.Contracts.Rooms;

namespace Roomcast.Identity.Events;

/// <summary>Who hears of an identity change: the user it is about, or the group and its members; always the admins.</summary>
public static class IdentityAudiences
{
    public static IReadOnlyList<string> ForUser(Guid userId) =>
        [RoomName.Admin.ToString(), RoomName.User(userId).ToString()];

    /// <summary>The group's room and, one by one, its members (whose connections may not have joined the group room yet).</summary>
    public static IReadOnlyList<string> ForGroup(Guid groupId, IEnumerable<Guid> members) =>
        new[] { RoomName.Admin.ToString(), RoomName.Group(groupId).ToString() }
            .Concat(members.Select(member => RoomName.User(member).ToString()))
            .Distinct(StringComparer.Ordinal)
            .ToList();
}
