namespace Roomcast.Identity.Groups;

public sealed record GroupResponse(Guid Id, string Name, long Version, IReadOnlyList<Guid> Members);

public sealed record GroupRequest(string? Name);

/// <summary>The result of adding or removing a member.</summary>
public sealed record MembershipResponse(Guid GroupId, Guid UserId, bool IsMember, long MembershipVersion);

internal static class GroupRules
{
    public const int MaxNameLength = 200;

    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength ? $"name must be 1 to {MaxNameLength} characters." : null;
}
