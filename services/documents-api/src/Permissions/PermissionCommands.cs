using Npgsql;
using Roomcast.DocumentsApi.Access;
using Roomcast.DocumentsApi.Audience;
using Roomcast.DocumentsApi.Events;
using Roomcast.ServiceDefaults.Http;
using Roomcast.DocumentsApi.Roots;

namespace Roomcast.DocumentsApi.Permissions;

/// <summary>Granting, changing and revoking access to a root. RW on the root is needed to change its grants.</summary>
public sealed class PermissionCommands(NpgsqlDataSource dataSource, ChangeScopes scopes)
{
    public async Task<Outcome<RootPermissions>> ListAsync(Caller caller, Guid rootId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var access = await RootAccessStore.LoadAsync(connection, null, rootId, cancellationToken);
        if (access is null || !caller.AccessTo(access).CanRead())
        {
            return new Outcome<RootPermissions>.NotFound($"root {rootId}");
        }

        return await PermissionStore.ListAsync(connection, rootId, cancellationToken);
    }

    public async Task<Outcome<Grant>> PutAsync(Caller caller, GrantSubject subject, Guid rootId, Guid subjectId, AccessLevel level, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var (_, before, failure) = await RootCommands.LockForWriteAsync(scope, rootId, cancellationToken);
        if (failure is not null)
        {
            return Convert(failure);
        }

        if (!await PermissionStore.SubjectExistsAsync(scope.Connection, scope.Transaction, subject, subjectId, cancellationToken))
        {
            return new Outcome<Grant>.Invalid(subject == GrantSubject.User ? "userId" : "groupId", $"No {subject.ToString().ToLowerInvariant()} {subjectId} is known.");
        }

        var (grant, created) = await PermissionStore.UpsertAsync(scope.Connection, scope.Transaction, subject, rootId, subjectId, level, cancellationToken);
        var after = await RootAccessStore.LoadAsync(scope.Connection, scope.Transaction, rootId, cancellationToken);
        if (created)
        {
            await scope.RecordCreatedAsync(grant.RecordType, grant.Id, grant.ToRecord(), grant.Version, new RecordReaders(after!), new RecordReaders(before!));
        }
        else
        {
            await scope.RecordChangedAsync(grant.RecordType, grant.Id, grant.ToRecord(), grant.Version, new RecordReaders(before!), new RecordReaders(after!));
        }

        await scope.CommitAsync();
        return new Outcome<Grant>.Done(grant, created);
    }

    public async Task<Outcome<Grant>> DeleteAsync(Caller caller, GrantSubject subject, Guid rootId, Guid subjectId, string? origin, CancellationToken cancellationToken)
    {
        await using var scope = await scopes.BeginAsync(caller, origin, cancellationToken);
        var (_, before, failure) = await RootCommands.LockForWriteAsync(scope, rootId, cancellationToken);
        if (failure is not null)
        {
            return Convert(failure);
        }

        var grant = await PermissionStore.FindAsync(scope.Connection, scope.Transaction, subject, rootId, subjectId, cancellationToken);
        if (grant is null)
        {
            return new Outcome<Grant>.NotFound($"{subject.ToString().ToLowerInvariant()} grant for {subjectId} on root {rootId}");
        }

        await PermissionStore.DeleteAsync(scope.Connection, scope.Transaction, grant, cancellationToken);
        var after = await RootAccessStore.LoadAsync(scope.Connection, scope.Transaction, rootId, cancellationToken);
        await scope.RecordDeletedAsync(grant.RecordType, grant.Id, [], grant.Version, new RecordReaders(before!), new RecordReaders(after!));
        await scope.CommitAsync();
        return grant;
    }

    private static Outcome<Grant> Convert(Outcome<RootRecord> failure) => failure switch
    {
        Outcome<RootRecord>.NotFound notFound => new Outcome<Grant>.NotFound(notFound.What),
        Outcome<RootRecord>.Forbidden forbidden => new Outcome<Grant>.Forbidden(forbidden.Why),
        _ => throw new InvalidOperationException($"Unexpected failure {failure}."),
    };
}
