using Dapper;
using Npgsql;

namespace Roomcast.DocumentsApi.Access;

/// <summary>Reads the grants that decide access to a root.</summary>
public static class RootAccessStore
{
    /// <summary>The root's shared access, creator and every user and group grant on it, with the groups' members; null when there is no such root.</summary>
    public static async Task<RootAccess?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid rootId, CancellationToken cancellationToken)
    {
        using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            Queries("@rootId"), new { rootId }, transaction, cancellationToken: cancellationToken));
        return await ReadAsync(results, rootId);
    }

    /// <summary>
    /// The statements that load a root's access, for the root named by <paramref name="rootId"/> (a
    /// parameter or a subquery), so a caller can send them in the same round trip as its own.
    /// </summary>
    public static string Queries(string rootId) =>
        $"""
        SELECT shared_access AS SharedAccess, created_by AS CreatedBy FROM roots WHERE id = {rootId};
        SELECT user_id AS UserId, access AS Access FROM user_permissions WHERE root_id = {rootId};
        SELECT p.group_id AS GroupId, p.access AS Access, m.user_id AS MemberId
        FROM group_permissions p LEFT JOIN group_members m ON m.group_id = p.group_id
        WHERE p.root_id = {rootId};
        """;

    /// <summary>Reads the results of <see cref="Queries"/>.</summary>
    public static async Task<RootAccess?> ReadAsync(SqlMapper.GridReader results, Guid rootId)
    {
        var root = await results.ReadSingleOrDefaultAsync<(string SharedAccess, Guid CreatedBy)?>();
        if (root is null)
        {
            return null;
        }

        var users = (await results.ReadAsync<(Guid UserId, string Access)>())
            .ToDictionary(grant => grant.UserId, grant => AccessLevels.Parse(grant.Access));
        var groups = (await results.ReadAsync<(Guid GroupId, string Access, Guid? MemberId)>())
            .GroupBy(row => (row.GroupId, row.Access))
            .Select(group => new GroupGrant(
                group.Key.GroupId,
                AccessLevels.Parse(group.Key.Access),
                group.Where(row => row.MemberId is not null).Select(row => row.MemberId!.Value).ToList()))
            .ToList();
        return new RootAccess(rootId, root.Value.CreatedBy, AccessLevels.Parse(root.Value.SharedAccess), users, groups);
    }
}
