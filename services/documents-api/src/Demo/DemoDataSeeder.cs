using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Roomcast.DocumentsApi.Demo;

/// <summary>
/// Fills the membership projection, roots, grants and documents from the demo seed file, skipping
/// rows that exist. Stands in for identity's events and the roots API until those issues land.
/// </summary>
public sealed partial class DemoDataSeeder(IOptions<DemoSeedOptions> options, NpgsqlDataSource dataSource, ILogger<DemoDataSeeder> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.SeedFile;
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        await using var file = File.OpenRead(path);
        var seed = await JsonSerializer.DeserializeAsync<DemoSeed>(file, Json, cancellationToken)
            ?? throw new InvalidDataException($"Demo seed file {path} is empty.");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        Task Insert(string sql, object rows) =>
            connection.ExecuteAsync(new CommandDefinition(sql + " ON CONFLICT DO NOTHING", rows, transaction, cancellationToken: cancellationToken));

        await Insert("INSERT INTO users (id, username, is_admin) VALUES (@Id, @Username, @IsAdmin)", seed.Users);
        var groups = seed.Groups ?? [];
        await Insert("INSERT INTO student_groups (id, name) VALUES (@Id, @Name)", groups);
        await Insert("INSERT INTO group_members (group_id, user_id) VALUES (@GroupId, @UserId)",
            groups.SelectMany(group => group.Members.Select(member => new { GroupId = group.Id, UserId = member })));

        var roots = seed.Roots ?? [];
        await Insert("INSERT INTO roots (id, name, shared_access, created_by) VALUES (@Id, @Name, @SharedAccess, @CreatedBy)", roots);
        await Insert("INSERT INTO user_permissions (root_id, user_id, access) VALUES (@RootId, @UserId, @Access)",
            roots.SelectMany(root => (root.UserPermissions ?? []).Select(grant => new { RootId = root.Id, grant.UserId, grant.Access })));
        await Insert("INSERT INTO group_permissions (root_id, group_id, access) VALUES (@RootId, @GroupId, @Access)",
            roots.SelectMany(root => (root.GroupPermissions ?? []).Select(grant => new { RootId = root.Id, grant.GroupId, grant.Access })));
        await Insert("INSERT INTO documents (id, root_id, author_id, type, data) VALUES (@Id, @RootId, @AuthorId, @Type, @Data::jsonb)",
            roots.SelectMany(root => (root.Documents ?? []).Select(document => new
            {
                document.Id, RootId = root.Id, document.AuthorId, document.Type, Data = document.Data.GetRawText(),
            })));
        await transaction.CommitAsync(cancellationToken);
        LogSeeded(seed.Users.Count, groups.Count, roots.Count, path);
    }

    [LoggerMessage(EventId = DocumentsLogEvents.DemoSeedApplied, Level = LogLevel.Information, Message = "Demo seed applied: {Users} users, {Groups} groups, {Roots} roots from {SeedFile}")]
    private partial void LogSeeded(int users, int groups, int roots, string seedFile);
}
