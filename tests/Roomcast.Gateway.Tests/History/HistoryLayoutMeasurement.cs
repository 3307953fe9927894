using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.Redis;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.Gateway.Tests.History;

/// <summary>
/// The measurement behind the history's layout (README, "History"): the same events written to real
/// Redis as one log whose entries carry their audience, and as one index per room beside the payloads
/// stored once, and one client's resume read from each. Prints the figures (run with a console logger
/// at detailed verbosity to see them); asserts only that both layouts answer the same events.
/// </summary>
public sealed class HistoryLayoutMeasurement(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Events = 900;
    private const int GroupSize = 1_000;
    private readonly string _prefix = TestRedis.NewPrefix();
    private RedisConnection _redis = null!;

    public async Task InitializeAsync() =>
        _redis = await RedisConnection.ConnectAsync(new RedisOptions { Endpoint = TestRedis.Endpoint }, NullLogger.Instance);

    public async Task DisposeAsync()
    {
        var keys = (await _redis.ExecuteAsync("KEYS", $"{_prefix}:*")).AsArray().Select(key => key.AsString()!).ToArray();
        foreach (var chunk in keys.Chunk(500))
        {
            await _redis.DelAsync(chunk);
        }
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task OneLogWithAudiencesAgainstOneIndexPerRoom()
    {
        var members = Enumerable.Range(0, GroupSize).Select(i => $"user:{Guid.NewGuid()}").ToArray();
        var client = new HashSet<string>([members[7], "all", "group:study"], StringComparer.Ordinal);
        // A third each: a notice to everyone, a change in a root shared with a 1000-member group (its
        // members are named one by one, as documents-api does), a change seen by two users.
        var audiences = Enumerable.Range(0, Events).Select(i => (i % 3) switch
        {
            0 => new[] { "admin", "user:actor", "root:notices", "all" },
            1 => new[] { "admin", "user:actor", "root:plan", "group:study" }.Concat(members).ToArray(),
            _ => ["admin", "user:actor", "root:private", "user:someone", "user:other"],
        }).ToArray();
        var payload = JsonSerializer.Serialize(new { id = Guid.NewGuid(), data = new { text = new string('x', 200) }, updatedAt = DateTimeOffset.UtcNow, version = 3, eventId = Guid.NewGuid() });

        var logKey = $"{_prefix}:log";
        var oneLog = await MeasureAsync(async () =>
        {
            var writes = new List<Task>();
            for (var seq = 1; seq <= Events; seq++)
            {
                writes.Add(_redis.ZAddAsync(logKey, seq, JsonSerializer.Serialize(new { audience = audiences[seq - 1], payload })));
            }
            await Task.WhenAll(writes);
            return Events;
        });
        var oneLogMemory = await MemoryAsync([logKey]);
        var oneLogResume = await MeasureAsync(async () =>
        {
            var entries = await _redis.ZRangeByScoreAsync(logKey, 0, double.PositiveInfinity);
            return entries.Count(entry => JsonDocument.Parse(entry.AsString()!).RootElement.GetProperty("audience").EnumerateArray().Any(room => client.Contains(room.GetString()!)));
        });
        var oneLogScanBytes = (await _redis.ZRangeByScoreAsync(logKey, 0, double.PositiveInfinity)).Sum(entry => entry.AsBytes().Length);

        var payloadsKey = $"{_prefix}:payloads";
        string RoomKey(string room) => $"{_prefix}:room:{room}";
        var perRoom = await MeasureAsync(async () =>
        {
            var writes = new List<Task>();
            var commands = 0;
            for (var seq = 1; seq <= Events; seq++)
            {
                writes.Add(_redis.HSetAsync(payloadsKey, seq.ToString(), payload));
                commands++;
                foreach (var room in audiences[seq - 1])
                {
                    writes.Add(_redis.ZAddAsync(RoomKey(room), seq, seq.ToString()));
                    commands++;
                }
            }
            await Task.WhenAll(writes);
            return commands;
        });
        var roomKeys = audiences.SelectMany(audience => audience).Distinct().Select(RoomKey).Append(payloadsKey).ToArray();
        var perRoomMemory = await MemoryAsync(roomKeys);
        var perRoomResume = await MeasureAsync(async () =>
        {
            var seqs = new SortedSet<long>();
            foreach (var room in client)
            {
                foreach (var seq in await _redis.ZRangeByScoreAsync(RoomKey(room), 0, double.PositiveInfinity))
                {
                    seqs.Add(seq.AsInt64());
                }
            }
            var fetched = await Task.WhenAll(seqs.Select(seq => _redis.ExecuteAsync("HGET", payloadsKey, seq.ToString())));
            return fetched.Length;
        });

        output.WriteLine($"{Events} events (1/3 to all, 1/3 to a {GroupSize}-member group named member by member, 1/3 to two users); one resume of a client in 3 rooms over all of them");
        output.WriteLine($"one log:  {oneLog.Result,7} writes  {oneLog.Elapsed.TotalMilliseconds,7:F0} ms  {oneLogMemory / 1024,7} KiB  resume: {oneLogResume.Result} events, {oneLogScanBytes / 1024} KiB read, {oneLogResume.Elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine($"per room: {perRoom.Result,7} writes  {perRoom.Elapsed.TotalMilliseconds,7:F0} ms  {perRoomMemory / 1024,7} KiB  resume: {perRoomResume.Result} events, {perRoomResume.Elapsed.TotalMilliseconds:F0} ms");

        oneLogResume.Result.ShouldBe(perRoomResume.Result, "both layouts answer the same events");
        oneLogResume.Result.ShouldBe(2 * Events / 3);
    }

    private async Task<long> MemoryAsync(IEnumerable<string> keys)
    {
        var sizes = await Task.WhenAll(keys.Select(key => _redis.ExecuteAsync("MEMORY", "USAGE", key)));
        return sizes.Where(size => !size.IsNull).Sum(size => size.AsInt64());
    }

    private static async Task<(int Result, TimeSpan Elapsed)> MeasureAsync(Func<Task<int>> work)
    {
        var clock = Stopwatch.StartNew();
        var result = await work();
        return (result, clock.Elapsed);
    }
}
