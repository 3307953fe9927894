using Roomcast.Contracts.Rooms;
using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Audience;

/// <summary>
/// The one place that decides who hears about a change (ARCHITECTURE.md, "The audience invariant"):
/// everyone who could read the record just before or just after it, the admins, the actor, and the
/// record's <c>root:</c> room. Rooms are named so that no connection outside that set is in any of them.
/// </summary>
public static class AudienceCalculator
{
    public static IReadOnlyList<string> ForRecordChange(RecordReaders before, RecordReaders after, Guid actorId)
    {
        var rooms = new SortedSet<string>(StringComparer.Ordinal)
        {
            RoomName.Admin.ToString(),
            RoomName.User(actorId).ToString(),
        };
        AddReaders(rooms, before);
        AddReaders(rooms, after);
        return rooms.ToList();
    }

    private static void AddReaders(SortedSet<string> rooms, RecordReaders readers)
    {
        var access = readers.Access;
        rooms.Add(RoomName.Root(access.RootId).ToString());
        rooms.Add(RoomName.User(access.OwnerId).ToString());
        if (readers.AuthorId is { } author)
        {
            rooms.Add(RoomName.User(author).ToString());
        }

        if (access.SharedAccess.CanRead())
        {
            rooms.Add(RoomName.All.ToString());
        }

        foreach (var (userId, level) in access.UserGrants)
        {
            if (level.CanRead())
            {
                rooms.Add(RoomName.User(userId).ToString());
            }
        }

        foreach (var group in access.GroupGrants.Where(group => group.Access.CanRead()))
        {
            rooms.Add(RoomName.Group(group.GroupId).ToString());
            // Members are named one by one as well: a connection's group rooms follow identity's
            // membership events, which may lag behind the projection this service authorised with.
            foreach (var member in group.Members)
            {
                rooms.Add(RoomName.User(member).ToString());
            }
        }
    }
}

/// <summary>Who can read one record: its root's grants and, for documents, its author.</summary>
public sealed record RecordReaders(RootAccess Access, Guid? AuthorId = null);
