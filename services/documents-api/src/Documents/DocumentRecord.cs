using System.Text.Json;

namespace Roomcast.DocumentsApi.Documents;

/// <summary>A document as the API returns it and events carry it.</summary>
public sealed record DocumentRecord(Guid Id, Guid RootId, Guid AuthorId, string Type, Guid? ParentId, JsonElement Data, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public sealed record CreateDocumentRequest(string? Type, JsonElement Data, Guid? ParentId, Guid? AuthorId);

public sealed record UpdateDocumentRequest(JsonElement Data, long? ExpectedVersion);

public sealed record DocumentPage(IReadOnlyList<DocumentRecord> Items, int Page, int PageSize, long Total);

/// <summary>Filters and paging of a root's document list.</summary>
public sealed record DocumentQuery(string? Type, Guid? ParentId, int Page, int PageSize);
