using Roomcast.RealtimeGateway.Backplane;
using Roomcast.Redis;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The membership projection every instance shares, in Redis under the backplane's channel prefix, so
/// each instance gives the same answer and it survives gateway restarts. Keys:
/// <c>{prefix}:membership:user:{userId}</c> (hash group → signed membership version, negative for a
/// removal tombstone, 0 for a membership from identity's answer; field <c>backfilled</c> once identity's
/// answer was merged in), <c>{prefix}:membership:members:{groupId}</c> (set of members, kept after the
/// group's deletion) and <c>{prefix}:membership:deleted-groups</c> (set of group tombstones). Each change
/// is one Lua script, so the version check and the write are atomic; a connect reads one hash.
/// </summary>
public sealed partial class RedisMembershipProjection(BackplaneOptions options, string serverName, ILogger<RedisMembershipProjection> logger)
    : IMembershipProjection, IAsyncDisposable
{
    // KEYS: user hash, group member set, deleted-group set. ARGV: group id, user id, version, 1 to add / 0 to remove.
    // Returns 1 when the user is a member afterwards, 0 when not.
    private static readonly RedisScript ApplyScript = new(
        """
        if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return 0 end
        local version = tonumber(ARGV[3])
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current then
          current = tonumber(current)
          if math.abs(current) >= version then
            if current >= 0 then return 1 else return 0 end
          end
        end
        -- The version is written as it came, not as a Lua number (which prints large values as 1e+14).
        if ARGV[4] == '1' then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
          redis.call('SADD', KEYS[2], ARGV[2])
          return 1
        end
        redis.call('HSET', KEYS[1], ARGV[1], '-' .. ARGV[3])
        redis.call('SREM', KEYS[2], ARGV[2])
        return 0
        """);

    // KEYS: group member set, deleted-group set. ARGV: group id, the user hash key prefix.
    // Returns the members; their hashes lose the group (the member set stays, so a replay answers the same).
    private static readonly RedisScript DeleteScript = new(
        """
        redis.call('SADD', KEYS[2], ARGV[1])
        local members = redis.call('SMEMBERS', KEYS[1])
        for _, member in ipairs(members) do
          redis.call('HDEL', ARGV[2] .. member, ARGV[1])
        end
        return members
        """);

    // KEYS: user hash, deleted-group set. ARGV: user id, the member set key prefix, then identity's group ids.
    // Adds each group the hash has no field for at version 0, marks the user backfilled, returns the hash.
    private static readonly RedisScript BackfillScript = new(
        """
        for i = 3, #ARGV do
          if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 0 and redis.call('HSETNX', KEYS[1], ARGV[i], 0) == 1 then
            redis.call('SADD', ARGV[2] .. ARGV[i], ARGV[1])
          end
        end
        redis.call('HSET', KEYS[1], 'backfilled', 1)
        return redis.call('HGETALL', KEYS[1])
        """);

    private const string BackfilledField = "backfilled";

    private readonly string _keyPrefix = $"{options.ChannelPrefix}:membership";
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private RedisConnection? _redis;

    public async ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var redis = await ConnectionAsync(cancellationToken);
        return GroupsIn(await redis.HGetAllAsync(UserKey(userId)));
    }

    public async ValueTask<IReadOnlyCollection<Guid>?> BackfilledGroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var redis = await ConnectionAsync(cancellationToken);
        var fields = await redis.HGetAllAsync(UserKey(userId));
        return fields.ContainsKey(BackfilledField) ? GroupsIn(fields) : null;
    }

    public async Task<IReadOnlyCollection<Guid>> BackfillAsync(Guid userId, IReadOnlyCollection<Guid> groups, CancellationToken cancellationToken)
    {
        var redis = await ConnectionAsync(cancellationToken);
        var fields = await redis.EvalAsync(BackfillScript, [UserKey(userId), DeletedGroupsKey],
            [userId.ToString("D"), $"{_keyPrefix}:members:", .. groups.Select(group => (RedisArgument)group.ToString("D"))]);
        var flat = fields.AsArray();
        var hash = new Dictionary<string, RedisValue>(flat.Count / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Count; i += 2)
        {
            hash[flat[i].AsString()!] = flat[i + 1];
        }

        return GroupsIn(hash);
    }

    public async Task<bool> ApplyMembershipAsync(Guid groupId, Guid userId, bool isMember, long membershipVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(membershipVersion, 1);
        var redis = await ConnectionAsync(cancellationToken);
        var member = await redis.EvalAsync(ApplyScript,
            [UserKey(userId), MembersKey(groupId), DeletedGroupsKey],
            [groupId.ToString("D"), userId.ToString("D"), membershipVersion, isMember ? "1" : "0"]);
        return member.AsInt64() == 1;
    }

    public async Task<IReadOnlyCollection<Guid>> DeleteGroupAsync(Guid groupId, CancellationToken cancellationToken)
    {
        var redis = await ConnectionAsync(cancellationToken);
        var members = await redis.EvalAsync(DeleteScript, [MembersKey(groupId), DeletedGroupsKey], [groupId.ToString("D"), $"{_keyPrefix}:user:"]);
        return members.AsArray().Select(member => Guid.Parse(member.AsString()!)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _connecting.Dispose();
    }

    /// <summary>The groups a user hash makes them a member of: group fields with a version of 0 or more.</summary>
    private static List<Guid> GroupsIn(IReadOnlyDictionary<string, RedisValue> fields)
    {
        var groups = new List<Guid>(fields.Count);
        foreach (var (field, version) in fields)
        {
            if (field != BackfilledField && version.AsInt64() >= 0)
            {
                groups.Add(Guid.Parse(field));
            }
        }

        return groups;
    }

    private string DeletedGroupsKey => $"{_keyPrefix}:deleted-groups";

    private string UserKey(Guid userId) => $"{_keyPrefix}:user:{userId:D}";

    private string MembersKey(Guid groupId) => $"{_keyPrefix}:members:{groupId:D}";

    /// <summary>
    /// The projection's own command connection, made on first use: the backplane's is not shared, and a
    /// Redis that is down at start must not stop the gateway. A failed first attempt throws to the caller
    /// (the consumer retries, the connecting client is refused) and the next call tries again; once made,
    /// the connection re-establishes itself.
    /// </summary>
    private async ValueTask<RedisConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _redis) is { } connected)
        {
            return connected;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_redis is null)
            {
                var redis = await RedisConnection.ConnectAsync(options.ClientOptions($"gateway-{serverName}-membership"), logger, cancellationToken);
                Volatile.Write(ref _redis, redis);
                LogConnected(options.Endpoint, _keyPrefix);
            }

            return _redis!;
        }
        finally
        {
            _connecting.Release();
        }
    }

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Membership projection connected to Redis at {Endpoint} (keys under {KeyPrefix})")]
    private partial void LogConnected(string endpoint, string keyPrefix);
}
