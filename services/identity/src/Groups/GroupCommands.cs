using Npgsql;
using Roomcast.Contracts.Events.Identity;
using Roomcast.Identity.Events;
using Roomcast.Identity.Users;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.Identity.Groups;

/// <summary>Student groups and their members (admins change them); each change with its integration event.</summary>
public sealed class GroupCommands(NpgsqlDataSource dataSource, IdentityChanges changes)
{
    /// <summary>Creates a group; with an <paramref name="id"/> that exists (demo seeding), returns that group unchanged.</summary>
    public async Task<GroupResponse> CreateAsync(Guid actorId, string name, CancellationToken cancellationToken, Guid? id = null)
    {
        await using var change = await changes.BeginAsync(actorId, cancellationToken);
        if (id is { } given && await GroupStore.FindAsync(change.Connection, change.Transaction, given, cancellationToken) is { } existing)
        {
            return existing;
        }

        var newId = id ?? Guid.NewGuid();
        await GroupStore.InsertAsync(change.Connection, change.Transaction, newId, name, cancellationToken);
        await change.PublishAsync(newId, eventId => new StudentGroupCreated(eventId, change.Now, newId, name, 1, actorId, IdentityAudiences.ForGroup(newId, [])));
        await change.CommitAsync();
        return new GroupResponse(newId, name, 1, []);
    }

    public async Task<Outcome<GroupResponse>> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await GroupStore.FindAsync(connection, null, id, cancellationToken) is { } group ? group : NotFound(id);
    }

    public async Task<IReadOnlyList<GroupResponse>> ListAsync(Guid? memberId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await GroupStore.ListAsync(connection, memberId, cancellationToken);
    }

    public async Task<Outcome<GroupResponse>> RenameAsync(Guid actorId, Guid id, string name, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(actorId, cancellationToken);
        var group = await GroupStore.FindAsync(change.Connection, change.Transaction, id, cancellationToken);
        if (group is null)
        {
            return NotFound(id);
        }

        var version = await GroupStore.RenameAsync(change.Connection, change.Transaction, id, name, cancellationToken);
        await change.PublishAsync(id, eventId => new StudentGroupChanged(eventId, change.Now, id, name, version, actorId, IdentityAudiences.ForGroup(id, group.Members)));
        await change.CommitAsync();
        return group with { Name = name, Version = version };
    }

    public async Task<Outcome<GroupResponse>> DeleteAsync(Guid actorId, Guid id, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(actorId, cancellationToken);
        var group = await GroupStore.FindAsync(change.Connection, change.Transaction, id, cancellationToken);
        if (group is null)
        {
            return NotFound(id);
        }

        await GroupStore.DeleteAsync(change.Connection, change.Transaction, id, cancellationToken);
        await change.PublishAsync(id, eventId => new StudentGroupDeleted(eventId, change.Now, id, group.Version, actorId, IdentityAudiences.ForGroup(id, group.Members)));
        await change.CommitAsync();
        return group;
    }

    /// <summary>Adds (<paramref name="member"/> true) or removes a user; no event when nothing changes.</summary>
    public async Task<Outcome<MembershipResponse>> SetMemberAsync(Guid actorId, Guid groupId, Guid userId, bool member, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(actorId, cancellationToken);
        var group = await GroupStore.FindAsync(change.Connection, change.Transaction, groupId, cancellationToken);
        if (group is null)
        {
            return new Outcome<MembershipResponse>.NotFound($"group {groupId}");
        }

        if (await UserStore.FindAsync(change.Connection, null, userId, cancellationToken) is null)
        {
            return new Outcome<MembershipResponse>.NotFound($"user {userId}");
        }

        var version = await GroupStore.SetMemberAsync(change.Connection, change.Transaction, groupId, userId, member, cancellationToken);
        if (version is null)
        {
            if (!member)
            {
                return new Outcome<MembershipResponse>.NotFound($"membership of {userId} in group {groupId}");
            }

            var unchanged = await GroupStore.MembershipVersionAsync(change.Connection, change.Transaction, groupId, cancellationToken);
            return new MembershipResponse(groupId, userId, member, unchanged);
        }

        await change.PublishAsync(groupId, eventId => new GroupMembershipChanged(
            eventId, change.Now, groupId, userId, member ? MembershipChange.Added : MembershipChange.Removed, version.Value, actorId,
            IdentityAudiences.ForGroup(groupId, group.Members.Append(userId))));
        await change.CommitAsync();
        return new Outcome<MembershipResponse>.Done(new MembershipResponse(groupId, userId, member, version.Value), Created: member);
    }

    private static Outcome<GroupResponse> NotFound(Guid id) => new Outcome<GroupResponse>.NotFound($"group {id}");
}
