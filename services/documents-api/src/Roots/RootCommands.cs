using Npgsql;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Roomcast.DocumentsApi.Events;
using Roomcast.ServiceDefaults.Http;

namespace Roomcast.DocumentsApi.Roots;

/// <summary>What can be done with document roots, each mutation with its one event.</summary>
public sealed class RootCommands(NpgsqlDataSource dataSource, ChangeScopes scopes)
{
    private const string What = "root";

    public async Task<Outcome<RootRecord>> CreateAsync(Caller caller, string name, AccessLevel sharedAccess, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var root = await RootStore.InsertAsync(scope.Connection, scope.Transaction, Guid.NewGuid(), name, sharedAccess, caller.UserId, cancellationToken);
        var access = await RootAccessStore.LoadAsync(scope.Connection, scope.Transaction, root.Id, cancellationToken);
        await scope.RecordCreatedAsync(RecordTypes.DocumentRoot, root.Id, root, root.Version, new RecordReaders(access!));
        await scope.CommitAsync();
        return new Outcome<RootRecord>.Done(root, Created: true);
    }

    public async Task<Outcome<RootRecord>> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var access = await RootAccessStore.LoadAsync(connection, null, id, cancellationToken);
        var root = access is not null && caller.AccessTo(access).CanRead() ? await RootStore.LockAsync(connection, null, id, cancellationToken) : null;
        return root is not null ? root : new Outcome<RootRecord>.NotFound($"{What} {id}");
    }

    public async Task<IReadOnlyList<RootRecord>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await RootStore.ListReadableAsync(connection, caller, cancellationToken);
    }

    public async Task<Outcome<RootRecord>> PatchAsync(Caller caller, Guid id, PatchRootRequest patch, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var (current, before, failure) = await LockForWriteAsync(scope, id, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        if (patch.ExpectedVersion is { } expected && expected != current!.Version)
        {
            return new Outcome<RootRecord>.Conflict($"The root is at version {current.Version}, not {expected}.", current.Version);
        }

        var updated = await RootStore.UpdateAsync(scope.Connection, scope.Transaction, id, patch.Name ?? current!.Name, patch.SharedAccess is null ? current!.SharedAccess : AccessLevels.Parse(patch.SharedAccess), cancellationToken);
        var after = await RootAccessStore.LoadAsync(scope.Connection, scope.Transaction, id, cancellationToken);
        await scope.RecordChangedAsync(RecordTypes.DocumentRoot, id, updated, updated.Version, new RecordReaders(before!), new RecordReaders(after!));
        await scope.CommitAsync();
        return updated;
    }

    public async Task<Outcome<RootRecord>> DeleteAsync(Caller caller, Guid id, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var (current, before, failure) = await LockForWriteAsync(scope, id, cancellationToken);
        if (failure is not null)
        {
            return failure;
        }

        var cascade = await RootStore.DeleteAsync(scope.Connection, scope.Transaction, id, cancellationToken);
        var readers = new RecordReaders(before!);
        await scope.RecordDeletedAsync(RecordTypes.DocumentRoot, id, cascade, current!.Version, readers, readers);
        await scope.CommitAsync();
        return current;
    }

    /// <summary>Locks the root for a change by the scope's caller; a failure when it is absent, unreadable or read-only to them.</summary>
    internal static async Task<(RootRecord? Root, RootAccess? Access, Outcome<RootRecord>? Failure)> LockForWriteAsync(ChangeScope scope, Guid id, CancellationToken cancellationToken)
    {
        var root = await RootStore.LockAsync(scope.Connection, scope.Transaction, id, cancellationToken);
        var access = root is null ? null : await RootAccessStore.LoadAsync(scope.Connection, scope.Transaction, id, cancellationToken);
        if (access is null || !scope.Caller.AccessTo(access).CanRead())
        {
            return (null, null, new Outcome<RootRecord>.NotFound($"{What} {id}"));
        }

        return scope.Caller.AccessTo(access).CanWrite()
            ? (root, access, null)
            : (null, null, new Outcome<RootRecord>.Forbidden("You may read this root but not change it."));
    }
}
