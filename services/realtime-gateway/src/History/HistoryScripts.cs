namespace Roomcast.RealtimeGateway.History;

/// <summary>
/// The history's Lua scripts: each runs atomically in Redis, so the duplicate check, the seq, the
/// append and the trim cannot be split by another instance. Numbers go through <c>%d</c> because Lua
/// 5.1 prints large numbers in exponent form.
/// </summary>
internal static class HistoryScripts
{
    // Trims by count, then by bytes and age together from the oldest entry (age: at most 1000 entries a
    // call, so one call never blocks Redis long; bytes: as many as it takes, each entry is removed once);
    // the floor rises to the highest seq removed. An entry counts as the bytes of its JSON (the member
    // without its '{appended at}|'). The byte total is kept beside the log, and counted from the log
    // when it is missing or no longer fits it.
    private const string Trim = """
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        local function size(member)
          return #member - string.find(member, '|', 1, true)
        end
        local function counted(log)
          local total = 0
          for _, member in ipairs(redis.call('ZRANGE', log, 0, -1)) do
            total = total + size(member)
          end
          return total
        end
        local function trim(floor_key, log, bytes_key, max_events, max_age, max_bytes, now)
          local stored_floor = tonumber(redis.call('GET', floor_key) or '0')
          local stored_bytes = tonumber(redis.call('GET', bytes_key) or '-1')
          local floor = stored_floor
          local bytes = stored_bytes
          if bytes < 0 then
            bytes = counted(log)
          end
          local excess = redis.call('ZCARD', log) - max_events
          if excess > 0 then
            local gone = redis.call('ZRANGE', log, 0, excess - 1, 'WITHSCORES')
            for i = 1, #gone, 2 do
              bytes = bytes - size(gone[i])
            end
            redis.call('ZREMRANGEBYRANK', log, 0, excess - 1)
            floor = math.max(floor, tonumber(gone[#gone]))
          end
          local cutoff = now - max_age
          local aged = 0
          while true do
            local first = redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')
            if #first == 0 then
              break
            end
            local old = aged < 1000 and tonumber(string.match(first[1], '^(%d+)|')) <= cutoff
            if bytes <= max_bytes and not old then
              break
            end
            if old then
              aged = aged + 1
            end
            redis.call('ZREMRANGEBYRANK', log, 0, 0)
            bytes = bytes - size(first[1])
            floor = math.max(floor, tonumber(first[2]))
          end
          if redis.call('ZCARD', log) == 0 then
            bytes = 0
          elseif bytes < 0 then
            -- The total no longer fits the log (entries appended by a gateway that did not count them).
            bytes = counted(log)
          end
          -- Only what changed is written: a Redis at its ceiling refuses a script's first write, and a
          -- resume that trims nothing must still be answered. The floor changes only after a removal, which
          -- Redis always allows and which lets the writes after it through; the byte total is a cache of
          -- the log, counted again next time if Redis refuses it.
          if floor ~= stored_floor then
            redis.call('SET', floor_key, string.format('%d', floor))
          end
          if bytes ~= stored_bytes then
            redis.pcall('SET', bytes_key, string.format('%d', bytes))
          end
        end
        """;

    /// <summary>
    /// KEYS: head, floor, log, seen, epoch, bytes; ARGV: max events, max age ms, max bytes, dedupe window ms,
    /// entry JSON, the highest seq the caller has seen given, an epoch to start if the numbering starts anew,
    /// and optionally a channel and a frame head. Returns <c>{seq, 'new'|'pending'|'delivered', epoch}</c>.
    /// With a channel, an event that is new or pending is published there, in the same step, as the frame
    /// head followed by <c>{epoch}|{seq}|{entry JSON}</c>: the other instances get it in the order of the
    /// seqs, one round trip after the consumer asked, and an event never has a seq that was not announced.
    /// The bounds are applied in the same step: the history never holds more than its bounds after an append.
    /// </summary>
    public const string Append = Trim + """

        local function announce(epoch, seq)
          if ARGV[8] then
            redis.call('PUBLISH', ARGV[8], ARGV[9] .. epoch .. '|' .. seq .. '|' .. ARGV[5])
          end
        end
        local epoch = redis.call('GET', KEYS[5])
        if not epoch then
          epoch = ARGV[7]
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
        local known = tonumber(ARGV[6])
        if not head or tonumber(head) < known then
          -- A new numbering: the first start, Redis lost its data, or it went back to an older state
          -- (a snapshot, a promoted replica) and would hand out seqs clients already hold. Seqs start
          -- above any given before, nothing before the start is in the history, and the new epoch tells
          -- clients holding an older position to reload.
          local start = string.format('%d', math.max(known, now * 1000))
          redis.call('SET', KEYS[1], start)
          redis.call('SET', KEYS[2], start)
          -- The log may have gone with the rest: its byte total is counted from what is there.
          redis.call('DEL', KEYS[6])
          epoch = ARGV[7]
          redis.call('SET', KEYS[5], epoch)
        end
        local seq = string.format('%d', redis.call('INCR', KEYS[1]))
        local bytes = tonumber(redis.call('GET', KEYS[6]) or '-1')
        if bytes < 0 then
          bytes = counted(KEYS[3])
        end
        redis.call('ZADD', KEYS[3], seq, string.format('%d', now) .. '|' .. ARGV[5])
        redis.call('SET', KEYS[6], string.format('%d', bytes + #ARGV[5]))
        redis.call('SET', KEYS[4], seq .. ':pending', 'PX', ARGV[4])
        trim(KEYS[2], KEYS[3], KEYS[6], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), now)
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
    /// KEYS: head, floor, log, epoch, bytes; ARGV: max events, max age ms, max bytes, after seq, count, the
    /// highest seq the caller has seen given, an epoch to start, then the rooms of the reader. A history that
    /// has no numbering yet starts it here, as the first append would: the position an empty history
    /// answers is one the next events can be read after (it numbers nothing otherwise, and a client would
    /// hold a position no resume takes). Trims first, then scans up to count entries after the seq and returns
    /// <c>{floor, head, last scanned seq, how many scanned, epoch, member, score, member, score, ...}</c> of those whose text names
    /// one of the rooms in quotes: a superset of the entries addressed to them (a payload may quote a
    /// room name too), which the caller narrows to the exact audience. Filtering here keeps entries with
    /// large audiences from crossing the network for nothing. An entry older than the max age that the
    /// trim's limit left behind is never returned: the floor reported rises over it, as if trimmed.
    /// </summary>
    public const string ReadAfter = Trim + """

        local now = now_ms()
        if not redis.call('GET', KEYS[1]) then
          local start = string.format('%d', math.max(tonumber(ARGV[6]), now * 1000))
          redis.call('SET', KEYS[1], start)
          redis.call('SET', KEYS[2], start)
          redis.call('SET', KEYS[4], ARGV[7])
        end
        trim(KEYS[2], KEYS[3], KEYS[5], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), now)
        local cutoff = now - tonumber(ARGV[2])
        local head = redis.call('GET', KEYS[1]) or '0'
        local floor = tonumber(redis.call('GET', KEYS[2]) or '0')
        local scanned = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[4], '+inf', 'WITHSCORES', 'LIMIT', 0, ARGV[5])
        local result = {'', head, ARGV[4], string.format('%d', #scanned / 2), redis.call('GET', KEYS[4]) or ''}
        for i = 1, #scanned, 2 do
          local member = scanned[i]
          result[3] = scanned[i + 1]
          if tonumber(string.match(member, '^(%d+)|')) <= cutoff then
            floor = math.max(floor, tonumber(scanned[i + 1]))
          else
            for r = 8, #ARGV do
              if string.find(member, '"' .. ARGV[r] .. '"', 1, true) then
                table.insert(result, member)
                table.insert(result, scanned[i + 1])
                break
              end
            end
          end
        end
        result[1] = string.format('%d', floor)
        return result
        """;

    /// <summary>
    /// KEYS: head, the user's gains; ARGV: room, how long to keep the record (ms), the id of the event that
    /// made the change. Records that the user holds the room from the newest seq given on (the head: every
    /// event appended later lies after it), as <c>{seq}:{event id}</c>, and returns that seq. A copy of the same
    /// event (a redelivery) keeps the boundary recorded first.
    /// </summary>
    public const string RecordGain = """
        local current = redis.call('HGET', KEYS[2], ARGV[1])
        if current then
          local seq, cause = string.match(current, '^(%d+):(.*)$')
          if cause == ARGV[3] then
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            return seq
          end
        end
        local head = redis.call('GET', KEYS[1]) or '0'
        redis.call('HSET', KEYS[2], ARGV[1], head .. ':' .. ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        return head
        """;

    /// <summary>KEYS: the user's gains; ARGV: room. Forgets the record.</summary>
    public const string ForgetGain = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>KEYS: the user's gains. Returns <c>{room, {seq}:{event id}, room, ...}</c>.</summary>
    public const string Gains = """
        return redis.call('HGETALL', KEYS[1])
        """;

    /// <summary>
    /// KEYS: seen, log, head, floor, epoch; ARGV: the event id as stored in entries. Returns
    /// <c>{seq, state, member, head, floor, epoch}</c> ('' where unknown): the seq and state from the
    /// dedupe record, the member of that seq; without a dedupe record, the first kept member that names the
    /// event id, and its seq. Read only, so it never trims; the scan is for admins' rare questions.
    /// </summary>
    public const string Trace = """
        local head = redis.call('GET', KEYS[3]) or '0'
        local floor = redis.call('GET', KEYS[4]) or '0'
        local epoch = redis.call('GET', KEYS[5]) or ''
        local seen = redis.call('GET', KEYS[1])
        if seen then
          local sep = string.find(seen, ':', 1, true)
          local seq = string.sub(seen, 1, sep - 1)
          local found = redis.call('ZRANGEBYSCORE', KEYS[2], seq, seq)
          return {seq, string.sub(seen, sep + 1), found[1] or '', head, floor, epoch}
        end
        local kept = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
        for i = 1, #kept, 2 do
          if string.find(kept[i], '"eventId":"' .. ARGV[1] .. '"', 1, true) then
            return {kept[i + 1], '', kept[i], head, floor, epoch}
          end
        end
        return {'', '', '', head, floor, epoch}
        """;
}
