namespace Roomcast.RealtimeGateway.Rooms;

/// <summary>
/// A set for the many sets that hold one to a few items (a connection's rooms, a user's connections, a
/// small room's members): a plain array searched linearly up to <see cref="ArrayLimit"/> items, a
/// <see cref="HashSet{T}"/> beyond. One item costs about 70 bytes where a (Concurrent)Dictionary costs
/// several hundred, and idle connections hold thousands of these. Not thread-safe: its owner locks.
/// </summary>
internal class SmallSet<T>
    where T : notnull
{
    /// <summary>Up to this many items a linear search beats hashing and an array is far smaller.</summary>
    public const int ArrayLimit = 8;

    private T[]? _array;
    private HashSet<T>? _hashed;
    private int _count;

    public int Count => _hashed?.Count ?? _count;

    /// <summary>Adds <paramref name="item"/>; <c>false</c> when it was in the set already.</summary>
    public bool Add(T item)
    {
        if (_hashed is not null)
        {
            return _hashed.Add(item);
        }
        if (IndexOf(item) >= 0)
        {
            return false;
        }
        if (_count == ArrayLimit)
        {
            _hashed = new HashSet<T>(_array!);
            _hashed.Add(item);
            _array = null;
            _count = 0;
            return true;
        }
        if (_array is null || _count == _array.Length)
        {
            Array.Resize(ref _array, _count == 0 ? 1 : _count * 2);
        }
        _array[_count++] = item;
        return true;
    }

    /// <summary>Removes <paramref name="item"/>; <c>false</c> when it was not in the set.</summary>
    public bool Remove(T item)
    {
        if (_hashed is not null)
        {
            var removed = _hashed.Remove(item);
            if (_hashed.Count == 0)
            {
                _hashed = null;
            }
            return removed;
        }
        var index = IndexOf(item);
        if (index < 0)
        {
            return false;
        }
        // Order does not matter in a set: the last item fills the gap.
        _count--;
        _array![index] = _array[_count];
        _array[_count] = default!;
        if (_count == 0)
        {
            _array = null;
        }
        return true;
    }

    public bool Contains(T item) => _hashed?.Contains(item) ?? IndexOf(item) >= 0;

    public T[] ToArray() => _hashed is not null ? [.. _hashed] : _array is null ? [] : _array[.._count];

    /// <summary>Adds every item to <paramref name="target"/> without a snapshot in between.</summary>
    public void CopyTo(ICollection<T> target)
    {
        if (_hashed is not null)
        {
            foreach (var item in _hashed)
            {
                target.Add(item);
            }
            return;
        }
        for (var index = 0; index < _count; index++)
        {
            target.Add(_array![index]);
        }
    }

    public void Clear()
    {
        _array = null;
        _hashed = null;
        _count = 0;
    }

    private int IndexOf(T item)
    {
        var comparer = EqualityComparer<T>.Default;
        for (var index = 0; index < _count; index++)
        {
            if (comparer.Equals(_array![index], item))
            {
                return index;
            }
        }
        return -1;
    }
}
