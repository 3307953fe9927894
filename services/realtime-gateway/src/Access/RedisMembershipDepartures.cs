using System.Globalization;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Access;

/// <summary>
/// <see cref="IMembershipDepartures"/> every instance shares: one hash per user
/// (<see cref="BackplaneChannels.MembershipDepartures"/>), group → newest version left, expiring
/// <see cref="RoomAccessOptions.MembershipDepartureRetention"/> after the user's latest departure. Each
/// change is one script, so "keep the newest" and "drop only what was confirmed" hold across instances.
/// While Redis is away a call throws: the consumer retries the departure, a question is not asked.
/// </summary>
public sealed class RedisMembershipDepartures(BackplaneRedis redis, IOptions<RoomAccessOptions> options) : IMembershipDepartures
{
    // Versions are compared as decimal strings (no leading zeros): a Lua number cannot hold every long exactly.
    private const string Newer = """
        local function newer(a, b) return #a > #b or (#a == #b and a > b) end
        """;

    // KEYS: the user's hash. ARGV: group, version, retention (ms).
    private const string LeftScript = Newer + "\n" + """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if not current or newer(ARGV[2], current) then
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    // KEYS: the user's hash. ARGV: group, version, group, version, ... that documents-api has applied.
    private const string ConfirmedScript = Newer + "\n" + """
        for i = 1, #ARGV, 2 do
          local current = redis.call('HGET', KEYS[1], ARGV[i])
          if current and not newer(current, ARGV[i + 1]) then
            redis.call('HDEL', KEYS[1], ARGV[i])
          end
        end
        return 1
        """;

    private const string OfScript = "return redis.call('HGETALL', KEYS[1])";

    public Task LeftAsync(Guid userId, Guid groupId, long membershipVersion, CancellationToken cancellationToken) =>
        redis.EvalAsync(LeftScript, [Key(userId)],
            [groupId.ToString("D"), Decimal(membershipVersion), (long)options.Value.MembershipDepartureRetention.TotalMilliseconds]).WaitAsync(cancellationToken);

    public async Task<IReadOnlyList<(Guid Group, long Version)>> OfAsync(Guid userId, CancellationToken cancellationToken)
    {
        var flat = (RedisResult[])(await redis.EvalAsync(OfScript, [Key(userId)], []).WaitAsync(cancellationToken))!;
        var departures = new List<(Guid, long)>(flat.Length / 2);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            if (Guid.TryParseExact((string?)flat[i], "D", out var group)
                && long.TryParse((string?)flat[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                departures.Add((group, version));
            }
        }
        return departures;
    }

    public Task ConfirmedAsync(Guid userId, IReadOnlyList<(Guid Group, long Version)> applied, CancellationToken cancellationToken) =>
        applied.Count == 0
            ? Task.CompletedTask
            : redis.EvalAsync(ConfirmedScript, [Key(userId)],
                [.. applied.SelectMany(left => new RedisValue[] { left.Group.ToString("D"), Decimal(left.Version) })]).WaitAsync(cancellationToken);

    private RedisKey Key(Guid userId) => redis.Channels.MembershipDepartures(userId);

    private static string Decimal(long version) => version.ToString(CultureInfo.InvariantCulture);
}
