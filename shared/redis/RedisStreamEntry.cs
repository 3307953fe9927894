namespace Roomcast.Redis;

/// <summary>One entry of a Redis stream, as <c>XRANGE</c> returns it: its id and its fields in order.</summary>
public sealed record RedisStreamEntry(string Id, IReadOnlyList<KeyValuePair<string, RedisValue>> Fields)
{
    /// <summary>The value of the first field named <paramref name="name"/>, or <see cref="RedisValue.Null"/>.</summary>
    public RedisValue this[string name] =>
        Fields.FirstOrDefault(field => string.Equals(field.Key, name, StringComparison.Ordinal)).Value;
}
