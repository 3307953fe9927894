using Roomcast.RealtimeGateway.Backplane;
using Roomcast.Redis;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The membership projection every instance shares, in Redis under the backplane's channel prefix, so
/// each instance gives the same answer and it survives gateway restarts. Keys:
/// <c>{prefix}:membership:user:{userId}</c> (hash group → signed membership version, negative for a
/// removal tombstone), <c>{prefix}:membership:members:{groupId}</c> (set of members, kept after the
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
            if current > 0 then return 1 else return 0 end
          end
        end
        if ARGV[4] == '1' then
          redis.call('HSET', KEYS[1], ARGV[1], version)
          redis.call('SADD', KEYS[2], ARGV[2])
          return 1
        end
        redis.call('HSET', KEYS[1], ARGV[1], -version)
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

    private readonly string _keyPrefix = $"{options.ChannelPrefix}:membership";
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private RedisConnection? _redis;

    public async ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var redis = await ConnectionAsync(cancellationToken);
        var versions = await redis.HGetAllAsync(UserKey(userId));
        var groups = new List<Guid>(versions.Count);
        foreach (var (group, version) in versions)
        {
            if (version.AsInt64() > 0)
            {
                groups.Add(Guid.Parse(group));
            }
        }

        return groups;
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

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Membership projection connected to Redis at {Endpoint} (keys under {KeyPrefix})")]
    private partial void LogConnected(string endpoint, string keyPrefix);
}
