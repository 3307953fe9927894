namespace Roomcast.Redis;

/// <summary>The RESP2 reply types.</summary>
public enum RedisValueKind
{
    /// <summary>The null bulk string (<c>$-1</c>) or the null array (<c>*-1</c>): "no value".</summary>
    Null = 0,
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
}
