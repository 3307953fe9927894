namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The history's Lua scripts: each runs atomically in Redis, so the duplicate check, the seq and the
/// append cannot be split by another instance. Numbers go through <c>%d</c> because Lua 5.1 prints
/// large numbers in exponent form.
/// </summary>
internal static class HistoryScripts
{
    // Trims by size, then by age (at most 1000 entries a call, so one call never blocks Redis long);
    // the floor rises to the highest seq removed. Needs KEYS[1] head, [2] floor, [3] log; ARGV[1] max
    // events, [2] max age ms.
    private const string Trim = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local function trim(now)
          local floor = tonumber(redis.call('GET', KEYS[2]) or '0')
          local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[1])
          if excess > 0 then
            local last = redis.call('ZRANGE', KEYS[3], excess - 1, excess - 1, 'WITHSCORES')
            redis.call('ZREMRANGEBYRANK', KEYS[3], 0, excess - 1)
            floor = math.max(floor, tonumber(last[2]))
          end
          local cutoff = now - tonumber(ARGV[2])
          for _ = 1, 1000 do
            local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
            if #first == 0 or tonumber(string.match(first[1], '^(%d+)|')) > cutoff then
              break
            end
            redis.call('ZREMRANGEBYRANK', KEYS[3], 0, 0)
            floor = math.max(floor, tonumber(first[2]))
          end
          redis.call('SET', KEYS[2], string.format('%d', floor))
        end
        """;

    /// <summary>
    /// KEYS: head, floor, log, seen, epoch; ARGV: max events, max age ms, dedupe window ms, entry JSON, the
    /// highest seq the caller has seen given, an epoch to start if the numbering starts anew, and
    /// optionally a channel and a frame head. Returns <c>{seq, 'new'|'pending'|'delivered', epoch}</c>.
    /// With a channel, an event that is new or pending is published there, in the same step, as the frame
    /// head followed by <c>{epoch}|{seq}|{entry JSON}</c>: the other instances get it in the order of the
    /// seqs, one round trip after the consumer asked, and an event never has a seq that was not announced.
    /// </summary>
    public const string Append = Trim + """

        local function announce(epoch, seq)
          if ARGV[7] then
            redis.call('PUBLISH', ARGV[7], ARGV[8] .. epoch .. '|' .. seq .. '|' .. ARGV[4])
          end
        end
        local epoch = redis.call('GET', KEYS[5])
        if not epoch then
          epoch = ARGV[6]
          redis.call('SET', KEYS[5], epoch)
        end
        local seen = redis.call('GET', KEYS[4])
        if seen then
          local seq, state = string.match(seen, '^(%d+):(%a+)$')
          if state == 'pending' then
            announce(epoch, seq)
          end
          return {seq, state, epoch}
        end
        local now = now_ms()
        local head = redis.call('GET', KEYS[1])
        local known = tonumber(ARGV[5])
        if not head or tonumber(head) < known then
          -- A new numbering: the first start, Redis lost its data, or it went back to an older state
          -- (a snapshot, a promoted replica) and would hand out seqs clients already hold. Seqs start
          -- above any given before, nothing before the start is in the history, and the new epoch tells
          -- clients holding an older position to reload.
          local start = string.format('%d', math.max(known, now * 1000))
          redis.call('SET', KEYS[1], start)
          redis.call('SET', KEYS[2], start)
          epoch = ARGV[6]
          redis.call('SET', KEYS[5], epoch)
        end
        local seq = string.format('%d', redis.call('INCR', KEYS[1]))
        redis.call('ZADD', KEYS[3], seq, string.format('%d', now) .. '|' .. ARGV[4])
        redis.call('SET', KEYS[4], seq .. ':pending', 'PX', ARGV[3])
        trim(now)
        announce(epoch, seq)
        return {seq, 'new', epoch}
        """;

    /// <summary>KEYS: seen; ARGV: seq. Marks the event delivered, keeping its expiry.</summary>
    public const string MarkDelivered = """
        if redis.call('GET', KEYS[1]) == ARGV[1] .. ':pending' then
          redis.call('SET', KEYS[1], ARGV[1] .. ':delivered', 'KEEPTTL')
        end
        return 1
        """;

    /// <summary>
    /// KEYS: head, floor, log, epoch; ARGV: max events, max age ms, after seq, count, then the rooms of the
    /// reader. Trims first, then scans up to count entries after the seq and returns
    /// <c>{floor, head, last scanned seq, how many scanned, epoch, member, score, member, score, ...}</c> of those whose text names
    /// one of the rooms in quotes: a superset of the entries addressed to them (a payload may quote a
    /// room name too), which the caller narrows to the exact audience. Filtering here keeps entries with
    /// large audiences from crossing the network for nothing.
    /// </summary>
    public const string ReadAfter = Trim + """

        trim(now_ms())
        local head = redis.call('GET', KEYS[1]) or '0'
        local floor = redis.call('GET', KEYS[2]) or '0'
        local scanned = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[3], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[4])
        local result = {floor, head, ARGV[3], string.format('%d', #scanned / 2), redis.call('GET', KEYS[4]) or ''}
        for i = 1, #scanned, 2 do
          local member = scanned[i]
          result[3] = scanned[i + 1]
          for r = 5, #ARGV do
            if string.find(member, '"' .. ARGV[r] .. '"', 1, true) then
              table.insert(result, member)
              table.insert(result, scanned[i + 1])
              break
            end
          end
        end
        return result
        """;
}
