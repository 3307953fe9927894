using System.Collections.Concurrent;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// The <c>root:</c> rooms each local connection of a non-admin joined by itself, with the token it
/// proved its access with, so the access can be asked again when it may have been taken away. Only
/// connections that joined a root room hold an entry: an idle connection costs nothing here.
/// </summary>
public sealed class JoinedRoots
{
    private readonly ConcurrentDictionary<string, Entry> _byConnection = new(StringComparer.Ordinal);

    public void Joined(string connectionId, Guid userId, string accessToken, Guid rootId)
    {
        var entry = _byConnection.AddOrUpdate(connectionId, _ => new Entry(userId, accessToken), (_, existing) => existing with { AccessToken = accessToken });
        lock (entry.Roots)
        {
            entry.Roots.Add(rootId);
        }
    }

    public void Left(string connectionId, Guid rootId)
    {
        if (_byConnection.TryGetValue(connectionId, out var entry))
        {
            lock (entry.Roots)
            {
                entry.Roots.Remove(rootId);
            }
        }
    }

    /// <summary>Whether <paramref name="connectionId"/> still counts itself in <paramref name="rootId"/> (it may have left while its access was asked again).</summary>
    public bool Has(string connectionId, Guid rootId)
    {
        if (!_byConnection.TryGetValue(connectionId, out var entry))
        {
            return false;
        }
        lock (entry.Roots)
        {
            return entry.Roots.Contains(rootId);
        }
    }

    public void Forget(string connectionId) => _byConnection.TryRemove(connectionId, out _);

    /// <summary>The connections that joined <paramref name="rootId"/>, with their user and token.</summary>
    public IReadOnlyList<(string ConnectionId, Guid UserId, string AccessToken)> MembersOf(Guid rootId)
    {
        var members = new List<(string, Guid, string)>();
        foreach (var (connectionId, entry) in _byConnection)
        {
            lock (entry.Roots)
            {
                if (entry.Roots.Contains(rootId))
                {
                    members.Add((connectionId, entry.UserId, entry.AccessToken));
                }
            }
        }
        return members;
    }

    /// <summary>Every root each local connection of <paramref name="userId"/> joined.</summary>
    public IReadOnlyList<(string ConnectionId, Guid RootId, string AccessToken)> RootsOf(Guid userId)
    {
        var roots = new List<(string, Guid, string)>();
        foreach (var (connectionId, entry) in _byConnection)
        {
            if (entry.UserId != userId)
            {
                continue;
            }
            lock (entry.Roots)
            {
                roots.AddRange(entry.Roots.Select(root => (connectionId, root, entry.AccessToken)));
            }
        }
        return roots;
    }

    private sealed record Entry(Guid UserId, string AccessToken)
    {
        public HashSet<Guid> Roots { get; } = [];
    }
}
