namespace Roomcast.EndToEndTests.Model;

/// <summary>
/// Who may read what, as the model test's operations leave it: user grants of the readers on each root,
/// group grants of the one group, its members, and who is an admin. Pure state; the test applies each
/// operation to the services and to this model alike, and judges deliveries by it.
/// </summary>
internal sealed class AccessModel(IReadOnlyList<Guid> readers, IReadOnlyList<Guid> roots)
{
    private readonly HashSet<(Guid Root, Guid User)> _userGrants = [];
    private readonly HashSet<Guid> _groupGrants = [];
    private readonly HashSet<Guid> _members = [];
    private readonly HashSet<Guid> _admins = [];

    /// <summary>The users whose access the operations change (never the roots' writer, never the observing admin).</summary>
    public IReadOnlyList<Guid> Readers { get; } = readers;

    public IReadOnlyList<Guid> Roots { get; } = roots;

    public bool HasUserGrant(Guid root, Guid user) => _userGrants.Contains((root, user));

    public bool HasGroupGrant(Guid root) => _groupGrants.Contains(root);

    public bool IsMember(Guid user) => _members.Contains(user);

    public bool IsAdmin(Guid user) => _admins.Contains(user);

    public void SetUserGrant(Guid root, Guid user, bool granted) => Set(_userGrants, (root, user), granted);

    public void SetGroupGrant(Guid root, bool granted) => Set(_groupGrants, root, granted);

    public void SetMember(Guid user, bool member) => Set(_members, user, member);

    public void SetAdmin(Guid user, bool admin) => Set(_admins, user, admin);

    /// <summary>Whether documents-api lets <paramref name="user"/> read <paramref name="root"/> (admins read everything).</summary>
    public bool CanRead(Guid user, Guid root) =>
        IsAdmin(user) || HasUserGrant(root, user) || (HasGroupGrant(root) && IsMember(user));

    /// <summary>The readers an event about a document of <paramref name="root"/> may reach now: the audience invariant for a data change.</summary>
    public IReadOnlySet<Guid> AudienceOf(Guid root) => Readers.Where(user => CanRead(user, root)).ToHashSet();

    /// <summary>The readers of <paramref name="root"/> through grants and groups alone, as a resumed connection (holding its user's rooms now) is owed them.</summary>
    public IReadOnlySet<Guid> ReadersWithoutAdmin(Guid root) =>
        Readers.Where(user => HasUserGrant(root, user) || (HasGroupGrant(root) && IsMember(user))).ToHashSet();

    public string Describe() =>
        $"user grants [{string.Join(", ", _userGrants.Select(grant => $"{Short(grant.User)}@{Short(grant.Root)}"))}], " +
        $"group grants [{string.Join(", ", _groupGrants.Select(Short))}], members [{string.Join(", ", _members.Select(Short))}], admins [{string.Join(", ", _admins.Select(Short))}]";

    private static string Short(Guid id) => id.ToString("N")[..6];

    private static void Set<T>(HashSet<T> set, T item, bool present)
    {
        if (present)
        {
            set.Add(item);
        }
        else
        {
            set.Remove(item);
        }
    }
}
