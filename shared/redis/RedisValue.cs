using System.Globalization;
using System.Text;

namespace Roomcast.Redis;

/// <summary>
/// One reply from Redis. A value owns its bytes (they are copied out of the connection's buffers),
/// so it stays valid for as long as it is referenced. The <c>As…</c> accessors convert; a reply of a
/// kind that cannot be converted throws <see cref="InvalidCastException"/>.
/// </summary>
public readonly struct RedisValue : IEquatable<RedisValue>
{
    private static readonly byte[] OkBytes = "OK"u8.ToArray();

    private readonly byte[]? _bytes;
    private readonly RedisValue[]? _elements;
    private readonly long _integer;

    private RedisValue(RedisValueKind kind, byte[]? bytes, RedisValue[]? elements, long integer)
    {
        Kind = kind;
        _bytes = bytes;
        _elements = elements;
        _integer = integer;
    }

    public static RedisValue Null => default;

    public RedisValueKind Kind { get; }

    public bool IsNull => Kind == RedisValueKind.Null;

    internal static RedisValue SimpleString(byte[] text) =>
        new(RedisValueKind.SimpleString, text.AsSpan().SequenceEqual(OkBytes) ? OkBytes : text, null, 0);

    internal static RedisValue Error(byte[] message) => new(RedisValueKind.Error, message, null, 0);

    internal static RedisValue Integer(long value) => new(RedisValueKind.Integer, null, null, value);

    internal static RedisValue BulkString(byte[] bytes) => new(RedisValueKind.BulkString, bytes, null, 0);

    internal static RedisValue Array(RedisValue[] elements) => new(RedisValueKind.Array, null, elements, 0);

    /// <summary>An integer reply, or a string reply that holds a decimal integer.</summary>
    public long AsInt64()
    {
        if (Kind == RedisValueKind.Integer)
        {
            return _integer;
        }
        if (Kind is RedisValueKind.BulkString or RedisValueKind.SimpleString
            && long.TryParse(_bytes, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }
        throw new InvalidCastException($"The Redis reply {this} is not an integer.");
    }

    /// <summary>A string reply decoded as UTF-8 (an integer in invariant notation); <c>null</c> for <see cref="RedisValueKind.Null"/>.</summary>
    public string? AsString() => Kind switch
    {
        RedisValueKind.Null => null,
        RedisValueKind.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        RedisValueKind.Array => throw new InvalidCastException("A Redis array reply is not a string."),
        _ => Encoding.UTF8.GetString(_bytes!),
    };

    /// <summary>The raw bytes of a string reply (simple, error or bulk).</summary>
    public ReadOnlyMemory<byte> AsBytes() => Kind is RedisValueKind.BulkString or RedisValueKind.SimpleString or RedisValueKind.Error
        ? _bytes
        : throw new InvalidCastException($"The Redis reply {this} is not a string.");

    /// <summary>The elements of an array reply.</summary>
    public IReadOnlyList<RedisValue> AsArray() => Kind == RedisValueKind.Array
        ? _elements!
        : throw new InvalidCastException($"The Redis reply {this} is not an array.");

    public bool Equals(RedisValue other) => Kind == other.Kind && Kind switch
    {
        RedisValueKind.Null => true,
        RedisValueKind.Integer => _integer == other._integer,
        RedisValueKind.Array => _elements.AsSpan().SequenceEqual(other._elements),
        _ => _bytes.AsSpan().SequenceEqual(other._bytes),
    };

    public override bool Equals(object? obj) => obj is RedisValue other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        switch (Kind)
        {
            case RedisValueKind.Integer:
                hash.Add(_integer);
                break;
            case RedisValueKind.Array:
                foreach (var element in _elements!)
                {
                    hash.Add(element);
                }
                break;
            case RedisValueKind.Null:
                break;
            default:
                hash.AddBytes(_bytes);
                break;
        }
        return hash.ToHashCode();
    }

    public static bool operator ==(RedisValue left, RedisValue right) => left.Equals(right);

    public static bool operator !=(RedisValue left, RedisValue right) => !left.Equals(right);

    /// <summary>In the style of redis-cli, for test output and debugging; never logged by the client.</summary>
    public override string ToString() => Kind switch
    {
        RedisValueKind.Null => "(nil)",
        RedisValueKind.Integer => $"(integer) {_integer.ToString(CultureInfo.InvariantCulture)}",
        RedisValueKind.Error => $"(error) {AsString()}",
        RedisValueKind.Array => $"[{string.Join(", ", _elements!)}]",
        _ => $"\"{AsString()}\"",
    };
}
