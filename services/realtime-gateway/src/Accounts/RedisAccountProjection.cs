using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// The account projection every instance shares, in Redis under the backplane's channel prefix: one hash
/// per user, <c>{prefix}:account:user:{userId}</c>, with the fields <c>admin</c> (1 or 0),
/// <c>role-version</c> and <c>session-epoch</c>. Each change is one Lua script, so the version check and
/// the write are atomic; a connect reads the hash once. While Redis is away a call throws (the consumer
/// retries, the connecting client is refused).
/// </summary>
public sealed class RedisAccountProjection(IConnectionMultiplexer redis, BackplaneOptions options) : IAccountProjection
{
    // KEYS: user hash. ARGV: 1 admin / 0 not, version. Returns the hash after the call.
    private const string RoleScript = """
        local current = tonumber(redis.call('HGET', KEYS[1], 'role-version') or '0')
        if tonumber(ARGV[2]) > current then
          -- The version is written as it came, not as a Lua number (which prints large values as 1e+14).
          redis.call('HSET', KEYS[1], 'admin', ARGV[1], 'role-version', ARGV[2])
        end
        return redis.call('HGETALL', KEYS[1])
        """;

    // KEYS: user hash. ARGV: session epoch. Returns the hash after the call.
    private const string SessionsScript = """
        local current = tonumber(redis.call('HGET', KEYS[1], 'session-epoch') or '0')
        if tonumber(ARGV[1]) > current then
          redis.call('HSET', KEYS[1], 'session-epoch', ARGV[1])
        end
        return redis.call('HGETALL', KEYS[1])
        """;

    private readonly string _keyPrefix = $"{options.ChannelPrefix}:account:user:";
    private readonly IDatabase _database = redis.GetDatabase();

    public async ValueTask<AccountState> StateOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var entries = await _database.HashGetAllAsync(UserKey(userId)).WaitAsync(cancellationToken);
        return StateOf(entries.Select(entry => (entry.Name, entry.Value)));
    }

    public async Task<AccountState> ApplyRoleAsync(Guid userId, bool isAdmin, long version, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var hash = await _database.ScriptEvaluateAsync(RoleScript, [UserKey(userId)], [isAdmin ? "1" : "0", version]).WaitAsync(cancellationToken);
        return StateOf(Pairs(hash));
    }

    public async Task<AccountState> EndSessionsAsync(Guid userId, long sessionEpoch, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionEpoch, 1);
        var hash = await _database.ScriptEvaluateAsync(SessionsScript, [UserKey(userId)], [sessionEpoch]).WaitAsync(cancellationToken);
        return StateOf(Pairs(hash));
    }

    private static IEnumerable<(RedisValue Name, RedisValue Value)> Pairs(RedisResult hash)
    {
        var flat = (RedisResult[])hash!;
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            yield return ((RedisValue)flat[i], (RedisValue)flat[i + 1]);
        }
    }

    private static AccountState StateOf(IEnumerable<(RedisValue Name, RedisValue Value)> fields)
    {
        var state = AccountState.Unknown;
        foreach (var (name, value) in fields)
        {
            state = (string?)name switch
            {
                "admin" => state with { IsAdmin = value == "1" },
                "role-version" => state with { RoleVersion = (long)value },
                "session-epoch" => state with { SessionEpoch = (long)value },
                _ => state,
            };
        }

        return state;
    }

    private RedisKey UserKey(Guid userId) => $"{_keyPrefix}{userId:D}";
}
