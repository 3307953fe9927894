using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Permissions;

/// <summary>A grant to one user or one group: the two kinds share one shape in the database.</summary>
public enum GrantSubject
{
    User,
    Group,
}

public sealed record UserPermissionRecord(Guid Id, Guid RootId, Guid UserId, AccessLevel Access, long Version);

public sealed record GroupPermissionRecord(Guid Id, Guid RootId, Guid GroupId, AccessLevel Access, long Version);

public sealed record RootPermissions(IReadOnlyList<UserPermissionRecord> Users, IReadOnlyList<GroupPermissionRecord> Groups);

public sealed record PutPermissionRequest(string? Access);

/// <summary>A grant as stored, whichever its subject.</summary>
public sealed record Grant(GrantSubject Subject, Guid Id, Guid RootId, Guid SubjectId, AccessLevel Access, long Version)
{
    public string RecordType => Subject == GrantSubject.User ? RecordTypes.UserPermission : RecordTypes.GroupPermission;

    /// <summary>The record as the API returns it and events carry it.</summary>
    public object ToRecord() => Subject == GrantSubject.User
        ? new UserPermissionRecord(Id, RootId, SubjectId, Access, Version)
        : new GroupPermissionRecord(Id, RootId, SubjectId, Access, Version);
}
