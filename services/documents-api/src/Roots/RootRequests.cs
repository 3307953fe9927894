using Roomcast.DocumentsApi.Access;

namespace Roomcast.DocumentsApi.Roots;

public sealed record CreateRootRequest(string? Name, string? SharedAccess);

/// <summary>Fields left out stay as they are.</summary>
public sealed record PatchRootRequest(string? Name, string? SharedAccess, long? ExpectedVersion);

internal static class RootRules
{
    public const int MaxNameLength = 200;

    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength ? $"A name of 1 to {MaxNameLength} characters is required." : null;

    /// <summary>Every invalid field of a root's values; <paramref name="nameRequired"/> for a new root.</summary>
    public static Dictionary<string, string[]> Problems(string? name, bool nameRequired, string? sharedAccess)
    {
        var errors = new Dictionary<string, string[]>();
        if ((nameRequired || name is not null) && NameProblem(name) is { } nameProblem)
        {
            errors["name"] = [nameProblem];
        }

        if (sharedAccess is not null && !AccessLevels.TryParse(sharedAccess, out _))
        {
            errors["sharedAccess"] = [$"sharedAccess {AccessLevels.Expected}."];
        }

        return errors;
    }
}
