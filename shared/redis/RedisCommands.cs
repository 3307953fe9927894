namespace Roomcast.Redis;

/// <summary>
/// Typed helpers for the commands Roomcast uses, named after them. Each is one
/// <see cref="RedisConnection.ExecuteAsync"/> call plus the conversion of its reply; anything else
/// goes through <see cref="RedisConnection.ExecuteAsync"/> directly.
/// </summary>
public static class RedisCommands
{
    public static async Task PingAsync(this RedisConnection redis)
    {
        var reply = await redis.ExecuteAsync("PING").ConfigureAwait(false);
        if (reply.AsString() != "PONG")
        {
            throw new RedisProtocolException($"Redis answered PING with {reply}.");
        }
    }

    /// <summary>The value, or <see cref="RedisValue.Null"/> when the key does not exist.</summary>
    public static Task<RedisValue> GetAsync(this RedisConnection redis, string key) => redis.ExecuteAsync("GET", key);

    /// <summary><c>SET key value [PX ms] [NX]</c>; <c>false</c> when <paramref name="onlyIfNotExists"/> and the key existed.</summary>
    public static Task<bool> SetAsync(
        this RedisConnection redis, string key, RedisArgument value, TimeSpan? expiry = null, bool onlyIfNotExists = false)
    {
        var arguments = new List<RedisArgument>(5) { key, value };
        if (expiry is { } ttl)
        {
            arguments.AddRange(["PX", Milliseconds(ttl)]);
        }
        if (onlyIfNotExists)
        {
            arguments.Add("NX");
        }
        return IsNotNull(redis.ExecuteAsync("SET", [.. arguments]));
    }

    /// <summary>How many of the keys existed.</summary>
    public static Task<long> DelAsync(this RedisConnection redis, params ReadOnlySpan<string> keys) =>
        Int64(redis.ExecuteAsync("DEL", Arguments([], keys)));

    /// <summary><c>PEXPIRE</c>; <c>false</c> when the key does not exist.</summary>
    public static Task<bool> ExpireAsync(this RedisConnection redis, string key, TimeSpan ttl) =>
        IsOne(redis.ExecuteAsync("PEXPIRE", key, Milliseconds(ttl)));

    public static Task<long> IncrByAsync(this RedisConnection redis, string key, long increment) =>
        Int64(redis.ExecuteAsync("INCRBY", key, increment));

    public static Task<long> DecrByAsync(this RedisConnection redis, string key, long decrement) =>
        Int64(redis.ExecuteAsync("DECRBY", key, decrement));

    /// <summary><c>true</c> when the field is new, <c>false</c> when its value was replaced.</summary>
    public static Task<bool> HSetAsync(this RedisConnection redis, string key, string field, RedisArgument value) =>
        IsOne(redis.ExecuteAsync("HSET", key, field, value));

    /// <summary>How many of the fields existed.</summary>
    public static Task<long> HDelAsync(this RedisConnection redis, string key, params ReadOnlySpan<string> fields) =>
        Int64(redis.ExecuteAsync("HDEL", Arguments([key], fields)));

    /// <summary>Every field and value; empty when the key does not exist.</summary>
    public static async Task<IReadOnlyDictionary<string, RedisValue>> HGetAllAsync(this RedisConnection redis, string key)
    {
        var flat = (await redis.ExecuteAsync("HGETALL", key).ConfigureAwait(false)).AsArray();
        var fields = new Dictionary<string, RedisValue>(flat.Count / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Count; i += 2)
        {
            fields[flat[i].AsString()!] = flat[i + 1];
        }
        return fields;
    }

    /// <summary>The field's new value.</summary>
    public static Task<long> HIncrByAsync(this RedisConnection redis, string key, string field, long increment) =>
        Int64(redis.ExecuteAsync("HINCRBY", key, field, increment));

    /// <summary>How many members were new.</summary>
    public static Task<long> SAddAsync(this RedisConnection redis, string key, params ReadOnlySpan<RedisArgument> members) =>
        Int64(redis.ExecuteAsync("SADD", [key, .. members]));

    /// <summary>How many members were there.</summary>
    public static Task<long> SRemAsync(this RedisConnection redis, string key, params ReadOnlySpan<RedisArgument> members) =>
        Int64(redis.ExecuteAsync("SREM", [key, .. members]));

    public static Task<IReadOnlyList<RedisValue>> SMembersAsync(this RedisConnection redis, string key) =>
        Elements(redis.ExecuteAsync("SMEMBERS", key));

    public static Task<long> SCardAsync(this RedisConnection redis, string key) =>
        Int64(redis.ExecuteAsync("SCARD", key));

    /// <summary><c>true</c> when the member is new, <c>false</c> when only its score changed.</summary>
    public static Task<bool> ZAddAsync(this RedisConnection redis, string key, double score, RedisArgument member) =>
        IsOne(redis.ExecuteAsync("ZADD", key, score, member));

    /// <summary>
    /// Members with <paramref name="min"/> ≤ score ≤ <paramref name="max"/> (infinities allowed), lowest
    /// first; <paramref name="count"/> limits how many, after skipping <paramref name="offset"/>.
    /// </summary>
    public static Task<IReadOnlyList<RedisValue>> ZRangeByScoreAsync(
        this RedisConnection redis, string key, double min, double max, long offset = 0, long? count = null) =>
        Elements(offset == 0 && count is null
            ? redis.ExecuteAsync("ZRANGEBYSCORE", key, min, max)
            : redis.ExecuteAsync("ZRANGEBYSCORE", key, min, max, "LIMIT", offset, count ?? -1));

    /// <summary>How many members were removed.</summary>
    public static Task<long> ZRemRangeByScoreAsync(this RedisConnection redis, string key, double min, double max) =>
        Int64(redis.ExecuteAsync("ZREMRANGEBYSCORE", key, min, max));

    /// <summary>Removes the members ranked <paramref name="start"/> to <paramref name="stop"/> (0 = lowest score, -1 = highest); how many.</summary>
    public static Task<long> ZRemRangeByRankAsync(this RedisConnection redis, string key, long start, long stop) =>
        Int64(redis.ExecuteAsync("ZREMRANGEBYRANK", key, start, stop));

    /// <summary>
    /// Appends an entry with an id chosen by Redis and returns that id; with
    /// <paramref name="approximateMaxLength"/>, trims the stream to about that many entries (<c>MAXLEN ~</c>).
    /// </summary>
    public static Task<string> XAddAsync(
        this RedisConnection redis, string key, IReadOnlyList<(string Field, RedisArgument Value)> fields, long? approximateMaxLength = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(fields.Count, nameof(fields));
        var arguments = new List<RedisArgument>(4 + 2 * fields.Count) { key };
        if (approximateMaxLength is { } maxLength)
        {
            arguments.AddRange(["MAXLEN", "~", maxLength]);
        }
        arguments.Add("*");
        foreach (var (field, value) in fields)
        {
            arguments.AddRange([field, value]);
        }
        return Text(redis.ExecuteAsync("XADD", [.. arguments]));
    }

    /// <summary>Entries with ids from <paramref name="start"/> to <paramref name="end"/> (<c>-</c> and <c>+</c>: the ends; <c>(id</c>: exclusive), oldest first.</summary>
    public static async Task<IReadOnlyList<RedisStreamEntry>> XRangeAsync(
        this RedisConnection redis, string key, string start = "-", string end = "+", long? count = null)
    {
        var reply = count is { } limit
            ? await redis.ExecuteAsync("XRANGE", key, start, end, "COUNT", limit).ConfigureAwait(false)
            : await redis.ExecuteAsync("XRANGE", key, start, end).ConfigureAwait(false);
        return [.. reply.AsArray().Select(ToStreamEntry)];
    }

    /// <summary>How many subscribers received the message (on this server).</summary>
    public static Task<long> PublishAsync(this RedisConnection redis, string channel, RedisArgument message) =>
        Int64(redis.ExecuteAsync("PUBLISH", channel, message));

    public static Task<RedisValue> EvalAsync(
        this RedisConnection redis, string script, IReadOnlyList<string>? keys = null, IReadOnlyList<RedisArgument>? arguments = null) =>
        redis.ExecuteAsync("EVAL", ScriptArguments(script, keys, arguments));

    public static Task<RedisValue> EvalShaAsync(
        this RedisConnection redis, string sha1, IReadOnlyList<string>? keys = null, IReadOnlyList<RedisArgument>? arguments = null) =>
        redis.ExecuteAsync("EVALSHA", ScriptArguments(sha1, keys, arguments));

    /// <summary><c>EVALSHA</c>, falling back to <c>EVAL</c> when Redis does not have the script cached.</summary>
    public static async Task<RedisValue> EvalAsync(
        this RedisConnection redis, RedisScript script, IReadOnlyList<string>? keys = null, IReadOnlyList<RedisArgument>? arguments = null)
    {
        try
        {
            return await redis.EvalShaAsync(script.Sha1, keys, arguments).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.ErrorCode == "NOSCRIPT")
        {
            return await redis.EvalAsync(script.Source, keys, arguments).ConfigureAwait(false);
        }
    }

    private static RedisStreamEntry ToStreamEntry(RedisValue entry)
    {
        var parts = entry.AsArray();
        var flat = parts[1].AsArray();
        var fields = new KeyValuePair<string, RedisValue>[flat.Count / 2];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = new(flat[2 * i].AsString()!, flat[2 * i + 1]);
        }
        return new RedisStreamEntry(parts[0].AsString()!, fields);
    }

    private static RedisArgument[] ScriptArguments(string script, IReadOnlyList<string>? keys, IReadOnlyList<RedisArgument>? arguments)
    {
        keys ??= [];
        arguments ??= [];
        return [script, keys.Count, .. keys.Select(key => (RedisArgument)key), .. arguments];
    }

    private static RedisArgument[] Arguments(ReadOnlySpan<RedisArgument> first, ReadOnlySpan<string> rest)
    {
        var arguments = new RedisArgument[first.Length + rest.Length];
        first.CopyTo(arguments);
        for (var i = 0; i < rest.Length; i++)
        {
            arguments[first.Length + i] = rest[i];
        }
        return arguments;
    }

    private static long Milliseconds(TimeSpan ttl)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(ttl));
        return (long)Math.Ceiling(ttl.TotalMilliseconds);
    }

    private static async Task<long> Int64(Task<RedisValue> reply) => (await reply.ConfigureAwait(false)).AsInt64();

    private static async Task<bool> IsOne(Task<RedisValue> reply) => (await reply.ConfigureAwait(false)).AsInt64() == 1;

    private static async Task<bool> IsNotNull(Task<RedisValue> reply) => !(await reply.ConfigureAwait(false)).IsNull;

    private static async Task<string> Text(Task<RedisValue> reply) => (await reply.ConfigureAwait(false)).AsString()!;

    private static async Task<IReadOnlyList<RedisValue>> Elements(Task<RedisValue> reply) => (await reply.ConfigureAwait(false)).AsArray();
}
