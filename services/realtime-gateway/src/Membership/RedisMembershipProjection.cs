using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// The membership projection every instance shares, in Redis under the backplane's channel prefix, so
/// each instance gives the same answer and it survives gateway restarts. Keys:
/// <c>{prefix}:membership:user:{userId}</c> (hash group → signed membership version, negative for a
/// removal tombstone, 0 for a membership from identity's answer; field <c>backfilled</c> once identity's
/// answer was merged in), <c>{prefix}:membership:members:{groupId}</c> (set of members, kept after the
/// group's deletion) and <c>{prefix}:membership:deleted-groups</c> (set of group tombstones). Each change
/// is one Lua script, so the version check and the write are atomic; a connect reads one hash. Runs on
/// the instance's one multiplexer: while Redis is away a call throws (the consumer retries, the
/// connecting client is refused).
/// </summary>
public sealed class RedisMembershipProjection(IConnectionMultiplexer redis, BackplaneOptions options) : IMembershipProjection
{
    // KEYS: user hash, group member set, deleted-group set. ARGV: group id, user id, version, 1 to add / 0 to remove.
    // Returns 1 when the user is a member afterwards, 0 when not.
    private const string ApplyScript = """
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
        """;

    // KEYS: group member set, deleted-group set. ARGV: group id, the user hash key prefix.
    // Returns the members; their hashes lose the group (the member set stays, so a replay answers the same).
    private const string DeleteScript = """
        redis.call('SADD', KEYS[2], ARGV[1])
        local members = redis.call('SMEMBERS', KEYS[1])
        for _, member in ipairs(members) do
          redis.call('HDEL', ARGV[2] .. member, ARGV[1])
        end
        return members
        """;

    // KEYS: user hash, deleted-group set. ARGV: user id, the member set key prefix, then identity's group ids.
    // Adds each group the hash has no field for at version 0, marks the user backfilled, returns the hash.
    private const string BackfillScript = """
        for i = 3, #ARGV do
          if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 0 and redis.call('HSETNX', KEYS[1], ARGV[i], 0) == 1 then
            redis.call('SADD', ARGV[2] .. ARGV[i], ARGV[1])
          end
        end
        redis.call('HSET', KEYS[1], 'backfilled', 1)
        return redis.call('HGETALL', KEYS[1])
        """;

    // KEYS: group member set, deleted-group set. ARGV: group id, the user hash key prefix, 1 when deleted, the
    // membership version, then identity's members. Returns 'deleted' when the group is deleted now, and
    // '+{user}' / '-{user}' for each user whose membership it changed.
    private const string ReconcileScript = """
        local group = ARGV[1]
        if ARGV[3] == '1' then
          if redis.call('SADD', KEYS[2], group) == 0 then return {} end
          local changes = {'deleted'}
          for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
            local current = redis.call('HGET', ARGV[2] .. member, group)
            redis.call('HDEL', ARGV[2] .. member, group)
            if current and tonumber(current) >= 0 then table.insert(changes, '-' .. member) end
          end
          return changes
        end
        local version = tonumber(ARGV[4])
        if version < 1 or redis.call('SISMEMBER', KEYS[2], group) == 1 then return {} end
        local listed = {}
        local users = {}
        for i = 5, #ARGV do
          listed[ARGV[i]] = true
          table.insert(users, ARGV[i])
        end
        for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          if not listed[member] then table.insert(users, member) end
        end
        local changes = {}
        for _, user in ipairs(users) do
          local key = ARGV[2] .. user
          local current = redis.call('HGET', key, group)
          local was = false
          local newer = false
          if current then
            current = tonumber(current)
            was = current >= 0
            newer = math.abs(current) >= version
          end
          if not newer then
            if listed[user] then
              redis.call('HSET', key, group, ARGV[4])
              redis.call('SADD', KEYS[1], user)
              if not was then table.insert(changes, '+' .. user) end
            else
              redis.call('HSET', key, group, '-' .. ARGV[4])
              redis.call('SREM', KEYS[1], user)
              if was then table.insert(changes, '-' .. user) end
            end
          end
        end
        return changes
        """;

    private const string BackfilledField = "backfilled";

    private readonly string _keyPrefix = $"{options.ChannelPrefix}:membership";
    private readonly IDatabase _database = redis.GetDatabase();

    public async ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken) =>
        GroupsIn(await HashOfAsync(userId, cancellationToken));

    public async ValueTask<IReadOnlyCollection<Guid>?> BackfilledGroupsOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var fields = await HashOfAsync(userId, cancellationToken);
        return fields.ContainsKey(BackfilledField) ? GroupsIn(fields) : null;
    }

    public async Task<IReadOnlyCollection<Guid>> BackfillAsync(Guid userId, IReadOnlyCollection<Guid> groups, CancellationToken cancellationToken)
    {
        var fields = await _database.ScriptEvaluateAsync(BackfillScript, [UserKey(userId), DeletedGroupsKey],
            [userId.ToString("D"), $"{_keyPrefix}:members:", .. groups.Select(group => (RedisValue)group.ToString("D"))]).WaitAsync(cancellationToken);
        var flat = (RedisResult[])fields!;
        var hash = new Dictionary<string, RedisValue>(flat.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            hash[(string)flat[i]!] = (RedisValue)flat[i + 1];
        }

        return GroupsIn(hash);
    }

    public async Task<bool> ApplyMembershipAsync(Guid groupId, Guid userId, bool isMember, long membershipVersion, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(membershipVersion, 1);
        var member = await _database.ScriptEvaluateAsync(ApplyScript,
            [UserKey(userId), MembersKey(groupId), DeletedGroupsKey],
            [groupId.ToString("D"), userId.ToString("D"), membershipVersion, isMember ? "1" : "0"]).WaitAsync(cancellationToken);
        return (long)member == 1;
    }

    public async Task<IReadOnlyCollection<Guid>> DeleteGroupAsync(Guid groupId, CancellationToken cancellationToken)
    {
        var members = await _database.ScriptEvaluateAsync(DeleteScript, [MembersKey(groupId), DeletedGroupsKey], [groupId.ToString("D"), $"{_keyPrefix}:user:"])
            .WaitAsync(cancellationToken);
        return ((RedisResult[])members!).Select(member => Guid.Parse((string)member!)).ToList();
    }

    public async Task<GroupReconciliation> ReconcileGroupAsync(Guid groupId, bool deleted, long membershipVersion, IReadOnlyCollection<Guid> members, CancellationToken cancellationToken)
    {
        var result = await _database.ScriptEvaluateAsync(ReconcileScript, [MembersKey(groupId), DeletedGroupsKey],
            [groupId.ToString("D"), $"{_keyPrefix}:user:", deleted ? "1" : "0", membershipVersion, .. members.Select(member => (RedisValue)member.ToString("D"))])
            .WaitAsync(cancellationToken);
        var groupDeleted = false;
        var joined = new List<Guid>();
        var left = new List<Guid>();
        foreach (var change in ((RedisResult[])result!).Select(entry => (string)entry!))
        {
            if (change == "deleted")
            {
                groupDeleted = true;
            }
            else
            {
                (change[0] == '+' ? joined : left).Add(Guid.Parse(change.AsSpan(1)));
            }
        }

        return new GroupReconciliation(groupDeleted, joined, left);
    }

    private async Task<Dictionary<string, RedisValue>> HashOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var entries = await _database.HashGetAllAsync(UserKey(userId)).WaitAsync(cancellationToken);
        return entries.ToDictionary(entry => (string)entry.Name!, entry => entry.Value, StringComparer.Ordinal);
    }

    /// <summary>The groups a user hash makes them a member of: group fields with a version of 0 or more.</summary>
    private static List<Guid> GroupsIn(IReadOnlyDictionary<string, RedisValue> fields)
    {
        var groups = new List<Guid>(fields.Count);
        foreach (var (field, version) in fields)
        {
            if (field != BackfilledField && (long)version >= 0)
            {
                groups.Add(Guid.Parse(field));
            }
        }

        return groups;
    }

    private string DeletedGroupsKey => $"{_keyPrefix}:deleted-groups";

    private string UserKey(Guid userId) => $"{_keyPrefix}:user:{userId:D}";

    private string MembersKey(Guid groupId) => $"{_keyPrefix}:members:{groupId:D}";
}
