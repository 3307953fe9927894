using System.Text.Json;

namespace Roomcast.DocumentsApi.Demo;

/// <summary>The part of the demo seed file documents-api reads (identity reads the accounts).</summary>
public sealed record DemoSeed(IReadOnlyList<DemoSeed.User> Users, IReadOnlyList<DemoSeed.Group>? Groups, IReadOnlyList<DemoSeed.Root>? Roots)
{
    public sealed record User(Guid Id, string Username, bool IsAdmin);

    public sealed record Group(Guid Id, string Name, IReadOnlyList<Guid> Members);

    public sealed record Root(
        Guid Id,
        string Name,
        string SharedAccess,
        Guid CreatedBy,
        IReadOnlyList<Grant>? UserPermissions,
        IReadOnlyList<Grant>? GroupPermissions,
        IReadOnlyList<Document>? Documents);

    /// <summary>A grant to a user (<c>userId</c>) or a group (<c>groupId</c>).</summary>
    public sealed record Grant(Guid? UserId, Guid? GroupId, string Access);

    public sealed record Document(Guid Id, Guid AuthorId, string Type, JsonElement Data);
}
