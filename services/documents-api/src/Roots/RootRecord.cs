using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Roots;

/// <summary>A document root as the API returns it and events carry it.</summary>
public sealed record RootRecord(Guid Id, string Name, AccessLevel SharedAccess, Guid CreatedBy, DateTimeOffset CreatedAt, long Version);
