using Dapper;
using Npgsql;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>
/// The SQL of the local projection of identity's users, groups and memberships. Every statement is
/// an upsert guarded by a version, so applying an event twice, or an older one after a newer one,
/// leaves the projection as it was.
/// </summary>
public sealed class MembershipProjectionStore(NpgsqlDataSource dataSource)
{
    public async Task UpsertUserAsync(Guid id, string username, bool isAdmin, long version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, username, is_admin, version) VALUES (@id, @username, @isAdmin, @version)
            ON CONFLICT (id) DO UPDATE SET username = excluded.username, is_admin = excluded.is_admin, version = excluded.version
            WHERE users.version < excluded.version
            """, new { id, username, isAdmin, version }, cancellationToken: cancellationToken));
    }

    public async Task UpsertGroupAsync(Guid id, string name, long version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO student_groups (id, name, version) VALUES (@id, @name, @version)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version
            WHERE student_groups.version < excluded.version AND NOT student_groups.deleted
            """, new { id, name, version }, cancellationToken: cancellationToken));
    }

    /// <summary>A deleted group loses its members (its grants stay, granting nobody); it stays as a tombstone so a replayed creation cannot revive it.</summary>
    public async Task DeleteGroupAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO student_groups (id, name, deleted) VALUES (@id, '', true)
            ON CONFLICT (id) DO UPDATE SET deleted = true;
            DELETE FROM group_members WHERE group_id = @id;
            """, new { id }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Applies one membership change, unless a newer change of the user's membership was applied or the
    /// group's newest applied snapshot is as new (it reflects the change already).
    /// </summary>
    public async Task ApplyMembershipAsync(Guid groupId, Guid userId, bool isMember, long version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Shares the group row's lock with other changes, against a snapshot's (ReconcileGroupAsync): a
        // snapshot applied first is seen here, and one applied after sees this change.
        var reconciled = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT reconciled_membership_version FROM student_groups WHERE id = @groupId FOR SHARE",
            new { groupId }, transaction, cancellationToken: cancellationToken));
        if (reconciled >= version)
        {
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        var applied = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO membership_versions (group_id, user_id, version, is_member) VALUES (@groupId, @userId, @version, @isMember)
            ON CONFLICT (group_id, user_id) DO UPDATE SET version = excluded.version, is_member = excluded.is_member
            WHERE membership_versions.version < excluded.version
            """, new { groupId, userId, version, isMember }, transaction, cancellationToken: cancellationToken));
        if (applied == 1)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                isMember
                    ? """
                      INSERT INTO group_members (group_id, user_id)
                      SELECT @groupId, @userId WHERE NOT EXISTS (SELECT 1 FROM student_groups WHERE id = @groupId AND deleted)
                      ON CONFLICT DO NOTHING
                      """
                    : "DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId",
                new { groupId, userId }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Raises the user's session epoch to <paramref name="epoch"/>; never lowers it.</summary>
    public async Task RaiseSessionEpochAsync(Guid userId, long epoch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO session_epochs (user_id, epoch) VALUES (@userId, @epoch)
            ON CONFLICT (user_id) DO UPDATE SET epoch = excluded.epoch
            WHERE session_epochs.epoch < excluded.epoch
            """, new { userId, epoch }, cancellationToken: cancellationToken));
    }

    /// <summary>What the projection holds about a caller, in one round trip of two primary-key lookups.</summary>
    public async Task<ProjectedCaller> FindCallerAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<ProjectedCaller>(new CommandDefinition(
            """
            SELECT (SELECT is_admin FROM users WHERE id = @userId) AS IsAdmin,
                   coalesce((SELECT epoch FROM session_epochs WHERE user_id = @userId), 0) AS SessionEpoch
            """, new { userId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Whether every (group, version) of <paramref name="wanted"/> is applied for <paramref name="userId"/>:
    /// the user's membership of the group is recorded at that version or a newer one; or the group is
    /// deleted; or a snapshot of the group at that version or a newer one was applied and the user is not
    /// a member here (a snapshot writes no row for a user it neither lists nor finds a member, so a version
    /// the gateway learned from it, or from events this copy missed and the snapshot made up for, is
    /// answered all the same).
    /// </summary>
    public async Task<bool> HasAppliedAsync(Guid userId, IReadOnlyList<(Guid Group, long Version)> wanted, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var missing = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            SELECT count(*) FROM unnest(@groups::uuid[], @versions::bigint[]) AS wanted(group_id, version)
            WHERE NOT EXISTS (SELECT 1 FROM membership_versions m
                              WHERE m.group_id = wanted.group_id AND m.user_id = @userId AND m.version >= wanted.version)
              AND NOT EXISTS (SELECT 1 FROM student_groups g
                              WHERE g.id = wanted.group_id
                                AND (g.deleted
                                     OR (g.reconciled_membership_version >= wanted.version
                                         AND NOT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.user_id = @userId))))
            """, new { userId, groups = wanted.Select(w => w.Group).ToArray(), versions = wanted.Select(w => w.Version).ToArray() },
            cancellationToken: cancellationToken));
        return missing == 0;
    }

    /// <summary>
    /// Applies one group of identity's membership snapshot with the rules the events follow, in one
    /// transaction: a deleted group is deleted; otherwise each user listed or recorded as a member gets
    /// (member = listed) at the snapshot's membership version, unless a change as new or newer was applied;
    /// the group then counts as applied up to that version (<see cref="HasAppliedAsync"/>).
    /// </summary>
    /// <returns>What the snapshot changed: the memberships it added or removed, and whether it deleted the group.</returns>
    public async Task<SnapshotCorrections> ReconcileGroupAsync(Guid groupId, string name, long version, bool deleted, long membershipVersion, IReadOnlyList<Guid> members, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The group row's lock first, so the statement below (its own snapshot of the tables) sees every
        // membership change that took the lock before it, and none is applied meanwhile (ApplyMembershipAsync).
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM student_groups WHERE id = @groupId FOR UPDATE", new { groupId }, transaction, cancellationToken: cancellationToken));
        await using var command = new NpgsqlCommand(deleted ? ReconcileDeletedGroup : ReconcileGroup, connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid>("groupId", groupId),
                new NpgsqlParameter<string>("name", name),
                new NpgsqlParameter<long>("version", version),
                new NpgsqlParameter<long>("membershipVersion", membershipVersion),
                new NpgsqlParameter<Guid[]>("members", [.. members]),
            },
        };
        var groupDeleted = false;
        var added = new List<Guid>();
        var removed = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                switch (reader.GetString(0))
                {
                    case "deleted":
                        groupDeleted = true;
                        break;
                    case "added":
                        added.Add(reader.GetGuid(1));
                        break;
                    default:
                        removed.Add(reader.GetGuid(1));
                        break;
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new SnapshotCorrections(groupDeleted, added, removed);
    }

    private const string ReconcileDeletedGroup = """
        WITH marked AS (
            INSERT INTO student_groups (id, name, deleted) VALUES (@groupId, @name, true)
            ON CONFLICT (id) DO UPDATE SET deleted = true WHERE NOT student_groups.deleted
            RETURNING id
        ), removed AS (
            DELETE FROM group_members WHERE group_id = @groupId RETURNING user_id
        )
        SELECT 'deleted', NULL::uuid FROM marked
        UNION ALL SELECT 'removed', user_id FROM removed
        """;

    // A group deleted here stays deleted (a tombstone is never revived); a membership change as new as
    // the snapshot or newer stays. A snapshot at membership version 0 lists nobody and finds nothing to undo.
    // The group's reconciled membership version only grows, as its name's version does.
    private const string ReconcileGroup = """
        WITH named AS (
            INSERT INTO student_groups (id, name, version, reconciled_membership_version) VALUES (@groupId, @name, @version, @membershipVersion)
            ON CONFLICT (id) DO UPDATE SET
                name = CASE WHEN student_groups.version < excluded.version THEN excluded.name ELSE student_groups.name END,
                version = greatest(student_groups.version, excluded.version),
                reconciled_membership_version = greatest(student_groups.reconciled_membership_version, excluded.reconciled_membership_version)
            WHERE NOT student_groups.deleted
              AND (student_groups.version < excluded.version OR student_groups.reconciled_membership_version < excluded.reconciled_membership_version)
        ), wanted AS (
            SELECT users.user_id, users.user_id = ANY(@members) AS is_member
            FROM (SELECT unnest(@members) AS user_id UNION SELECT user_id FROM group_members WHERE group_id = @groupId) AS users
            WHERE @membershipVersion > 0 AND NOT EXISTS (SELECT 1 FROM student_groups WHERE id = @groupId AND deleted)
        ), versioned AS (
            INSERT INTO membership_versions (group_id, user_id, version, is_member)
            SELECT @groupId, user_id, @membershipVersion, is_member FROM wanted
            ON CONFLICT (group_id, user_id) DO UPDATE SET version = excluded.version, is_member = excluded.is_member
            WHERE membership_versions.version < excluded.version
            RETURNING user_id, is_member
        ), added AS (
            INSERT INTO group_members (group_id, user_id)
            SELECT @groupId, user_id FROM versioned WHERE is_member
            ON CONFLICT DO NOTHING
            RETURNING user_id
        ), removed AS (
            DELETE FROM group_members WHERE group_id = @groupId AND user_id IN (SELECT user_id FROM versioned WHERE NOT is_member)
            RETURNING user_id
        )
        SELECT 'added', user_id FROM added
        UNION ALL SELECT 'removed', user_id FROM removed
        """;
}

/// <summary>What applying one group of a membership snapshot changed in the projection.</summary>
public sealed record SnapshotCorrections(bool GroupDeleted, IReadOnlyList<Guid> Added, IReadOnlyList<Guid> Removed)
{
    public int Count => (GroupDeleted ? 1 : 0) + Added.Count + Removed.Count;
}

/// <summary>A caller as the projection knows them.</summary>
/// <param name="IsAdmin">identity's latest word on the role; null when the projection has never heard of the user.</param>
/// <param name="SessionEpoch">The user's session epoch (0 until their sessions first end).</param>
public sealed record ProjectedCaller(bool? IsAdmin, long SessionEpoch);
