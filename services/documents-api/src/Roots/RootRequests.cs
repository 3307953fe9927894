using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Roots;

public sealed record CreateRootRequest(string? Name, AccessLevel? SharedAccess);

/// <summary>Fields left out stay as they are.</summary>
public sealed record PatchRootRequest(string? Name, AccessLevel? SharedAccess, long? ExpectedVersion);

internal static class RootRules
{
    public const int MaxNameLength = 200;

    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength ? $"A name of 1 to {MaxNameLength} characters is required." : null;
}
