namespace Roomcast.Contracts.Events;

/// <summary>The record types events and client messages name (the <c>type</c> field on the wire).</summary>
public static class RecordTypes
{
    public const string User = "User";
    public const string StudentGroup = "StudentGroup";
    public const string GroupMembership = "GroupMembership";
    public const string DocumentRoot = "DocumentRoot";
    public const string UserPermission = "UserPermission";
    public const string GroupPermission = "GroupPermission";
    public const string Document = "Document";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        User, StudentGroup, GroupMembership, DocumentRoot, UserPermission, GroupPermission, Document,
    };

    public static string Require(string type) =>
        All.Contains(type) ? type : throw new ArgumentException($"'{type}' is not a record type.", nameof(type));
}
