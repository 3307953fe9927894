using System.Collections.Concurrent;

namespace Roomcast.RealtimeGateway.Rooms;

/// <summary>
/// Sets of values by key, safe to use from any thread: a key is present exactly while its set holds a
/// value. Each set is a <see cref="SmallSet{T}"/> under its own lock, so the many keys whose sets hold
/// one to a few values (a user's connections, a small room's members) stay small, and the few that
/// hold thousands (the room <c>all</c>) stay fast. Values compare with their default equality.
/// </summary>
internal sealed class KeyedSets<TKey, TValue>(IEqualityComparer<TKey>? keys = null)
    where TKey : notnull
    where TValue : notnull
{
    private readonly ConcurrentDictionary<TKey, Members> _sets = new(keys);

    /// <summary>Adds <paramref name="value"/> to the set of <paramref name="key"/>; <c>false</c> when it was there already.</summary>
    public bool Add(TKey key, TValue value) => Add(key, value, out _);

    /// <param name="first"><c>true</c> when <paramref name="value"/> is the first value of <paramref name="key"/>.</param>
    public bool Add(TKey key, TValue value, out bool first)
    {
        while (true)
        {
            var members = _sets.GetOrAdd(key, static _ => new Members());
            lock (members)
            {
                if (!members.Retired)
                {
                    first = members.Count == 0;
                    return members.Add(value);
                }
            }
            // Emptied and being dropped by a concurrent remove: make sure it is gone, then start a new set.
            _sets.TryRemove(new KeyValuePair<TKey, Members>(key, members));
        }
    }

    /// <summary>Removes <paramref name="value"/> from the set of <paramref name="key"/>; <c>false</c> when it was not there.</summary>
    public bool Remove(TKey key, TValue value) => Remove(key, value, out _);

    /// <param name="last"><c>true</c> when <paramref name="value"/> was the last value of <paramref name="key"/>, which is now gone.</param>
    public bool Remove(TKey key, TValue value, out bool last)
    {
        last = false;
        if (!_sets.TryGetValue(key, out var members))
        {
            return false;
        }
        lock (members)
        {
            if (members.Retired || !members.Remove(value))
            {
                return false;
            }
            if (members.Count > 0)
            {
                return true;
            }
            // Retired inside the lock, so an add that races in from now on starts a new set instead.
            members.Retired = true;
        }
        _sets.TryRemove(new KeyValuePair<TKey, Members>(key, members));
        last = true;
        return true;
    }

    /// <summary>Drops <paramref name="key"/> and returns what its set held.</summary>
    public TValue[] RemoveAll(TKey key)
    {
        if (!_sets.TryRemove(key, out var members))
        {
            return [];
        }
        lock (members)
        {
            members.Retired = true;
            var values = members.ToArray();
            members.Clear();
            return values;
        }
    }

    /// <summary>A snapshot of the set of <paramref name="key"/>; empty when there is none.</summary>
    public TValue[] Of(TKey key)
    {
        if (!_sets.TryGetValue(key, out var members))
        {
            return [];
        }
        lock (members)
        {
            return members.ToArray();
        }
    }

    /// <summary>Adds the values of <paramref name="key"/> to <paramref name="target"/>.</summary>
    public void CopyTo(TKey key, ICollection<TValue> target)
    {
        if (_sets.TryGetValue(key, out var members))
        {
            lock (members)
            {
                members.CopyTo(target);
            }
        }
    }

    /// <summary>How many keys hold a set (one may be emptying at this moment).</summary>
    public int KeyCount => _sets.Count;

    /// <summary>How many values each key has right now.</summary>
    public IEnumerable<KeyValuePair<TKey, int>> Counts()
    {
        foreach (var (key, members) in _sets)
        {
            int count;
            lock (members)
            {
                count = members.Count;
            }
            if (count > 0)
            {
                yield return new KeyValuePair<TKey, int>(key, count);
            }
        }
    }

    private sealed class Members : SmallSet<TValue>
    {
        /// <summary>Emptied and leaving the map: never to be added to again.</summary>
        public bool Retired { get; set; }
    }
}
