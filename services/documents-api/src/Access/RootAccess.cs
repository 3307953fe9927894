namespace Roomcast.DocumentsApi.Access;

/// <summary>A group's grant on a root, with the group's members as documents-api knows them.</summary>
public sealed record GroupGrant(Guid GroupId, AccessLevel Access, IReadOnlyList<Guid> Members);

/// <summary>Everything that decides who may read or write a root's records, at one moment.</summary>
public sealed record RootAccess(
    Guid RootId,
    Guid OwnerId,
    AccessLevel SharedAccess,
    IReadOnlyDictionary<Guid, AccessLevel> UserGrants,
    IReadOnlyList<GroupGrant> GroupGrants)
{
    /// <summary>
    /// The access a user has through grants (not through being an admin) to a record of this root
    /// written by <paramref name="authorId"/>: the strongest of sharedAccess, their grant, their
    /// groups' grants, and RW for the root's creator and the record's author.
    /// </summary>
    public AccessLevel For(Guid userId, Guid? authorId = null)
    {
        if (userId == authorId || userId == OwnerId)
        {
            return AccessLevel.RW;
        }

        var level = SharedAccess;
        if (UserGrants.TryGetValue(userId, out var granted))
        {
            level = AccessLevels.Max(level, granted);
        }

        foreach (var group in GroupGrants)
        {
            if (group.Members.Contains(userId))
            {
                level = AccessLevels.Max(level, group.Access);
            }
        }

        return level;
    }
}
