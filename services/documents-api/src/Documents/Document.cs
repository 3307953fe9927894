using System.Text.Json;

namespace Roomcast.DocumentsApi.Documents;

public sealed record Document(Guid Id, Guid RootId, Guid AuthorId, string Type, Guid? ParentId, JsonElement Data, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);
