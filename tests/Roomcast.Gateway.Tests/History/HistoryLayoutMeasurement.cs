using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.History;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.Gateway.Tests.History;

/// <summary>
/// The measurement behind the history's layout (README, "History"): the same events written to real
/// Redis by the gateway's own history (one log whose entries carry their audience) and as one index per
/// room beside payloads stored once, and one client's resume read from each. Prints the figures (run
/// with a console logger at detailed verbosity to see them); asserts only that both answer the same events.
/// </summary>
public sealed class HistoryLayoutMeasurement(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Events = 900;
    private const int GroupSize = 1_000;
    private readonly string _prefix = TestRedis.NewPrefix();
    private ConnectionMultiplexer _multiplexer = null!;
    private IDatabase _redis = null!;
    private TestBackplane _backplane = null!;

    public async Task InitializeAsync()
    {
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = _prefix, CommandTimeout = TimeSpan.FromSeconds(30) };
        _multiplexer = await TestRedis.ConnectAsync(options, "measurement-direct");
        _redis = _multiplexer.GetDatabase();
        _backplane = await TestBackplane.StartAsync(options, "measurement");
    }

    public async Task DisposeAsync()
    {
        var keys = new List<RedisKey>();
        await foreach (var key in _multiplexer.GetServers()[0].KeysAsync(pattern: $"{_prefix}:*"))
        {
            keys.Add(key);
        }
        foreach (var chunk in keys.Chunk(500))
        {
            await _redis.KeyDeleteAsync(chunk);
        }
        await _backplane.DisposeAsync();
        await _multiplexer.DisposeAsync();
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
        var text = new string('x', 200);
        HistoryEntry Entry(int i) => new(0, Guid.NewGuid(), "CHANGED_DOCUMENT", audiences[i], new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["data"] = new JsonObject { ["text"] = text }, ["version"] = 3 });

        var options = new EventHistoryOptions { MaxEvents = Events, MaxResumeEvents = Events };
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var history = new RedisEventBroker(
            _backplane.Redis, options, new SeqHighWater(), new BackplaneMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<RedisEventBroker>.Instance);
        var (lastSeq, _, epoch) = await history.AppendAsync(Entry(0), null, CancellationToken.None);
        var oneLog = await MeasureAsync(async () =>
        {
            for (var i = 1; i < Events; i++)
            {
                await history.AppendAsync(Entry(i), null, CancellationToken.None);
            }
            return Events - 1;
        });
        var keys = new HistoryKeys(_prefix);
        var oneLogMemory = await MemoryAsync([keys.Log]);
        var resume = new EventResume(history, options, NullLogger<EventResume>.Instance);
        var oneLogResume = await MeasureAsync(async () =>
        {
            var result = await resume.ResumeHeldAsync(lastSeq, epoch, EventBrokerSpecification.FromTheStart(client), CancellationToken.None);
            result.Reload.ShouldBeFalse(result.Reason);
            return result.Events.Count;
        });

        var payloadsKey = $"{_prefix}:payloads";
        string RoomKey(string room) => $"{_prefix}:room:{room}";
        var perRoom = await MeasureAsync(async () =>
        {
            var commands = 0;
            for (var i = 1; i < Events; i++)
            {
                var writes = new List<Task> { _redis.HashSetAsync(payloadsKey, i.ToString(), Entry(i).Body()) };
                writes.AddRange(audiences[i].Select(room => _redis.SortedSetAddAsync(RoomKey(room), i.ToString(), i)));
                await Task.WhenAll(writes);
                commands += writes.Count;
            }
            return commands;
        });
        var roomKeys = audiences.SelectMany(audience => audience).Distinct().Select(RoomKey).Append(payloadsKey).ToArray();
        var perRoomMemory = await MemoryAsync(roomKeys);
        var perRoomResume = await MeasureAsync(async () =>
        {
            var seqs = new SortedSet<long>();
            foreach (var room in client)
            {
                foreach (var seq in await _redis.SortedSetRangeByScoreAsync(RoomKey(room), 0, double.PositiveInfinity))
                {
                    seqs.Add((long)seq);
                }
            }
            var fetched = await Task.WhenAll(seqs.Select(seq => _redis.HashGetAsync(payloadsKey, seq.ToString())));
            return fetched.Length;
        });

        output.WriteLine($"{Events - 1} events (1/3 to all, 1/3 to a {GroupSize}-member group named member by member, 1/3 to two users), then one resume of a client in 3 rooms over all of them");
        output.WriteLine($"one log (the gateway's history): {oneLog.Result,7} writes  {oneLog.Elapsed.TotalMilliseconds,6:F0} ms  {oneLogMemory / 1024,6} KiB  resume: {oneLogResume.Result} events in {oneLogResume.Elapsed.TotalMilliseconds:F0} ms");
        output.WriteLine($"one index per room:              {perRoom.Result,7} writes  {perRoom.Elapsed.TotalMilliseconds,6:F0} ms  {perRoomMemory / 1024,6} KiB  resume: {perRoomResume.Result} events in {perRoomResume.Elapsed.TotalMilliseconds:F0} ms");

        oneLogResume.Result.ShouldBe(perRoomResume.Result, "both layouts answer the same events");
        oneLogResume.Result.ShouldBe(2 * Events / 3 - 1);
    }

    private async Task<long> MemoryAsync(IEnumerable<string> keys)
    {
        var sizes = await Task.WhenAll(keys.Select(key => _redis.ExecuteAsync("MEMORY", "USAGE", key)));
        return sizes.Where(size => !size.IsNull).Sum(size => (long)size);
    }

    private static async Task<(int Result, TimeSpan Elapsed)> MeasureAsync(Func<Task<int>> work)
    {
        var clock = Stopwatch.StartNew();
        var result = await work();
        return (result, clock.Elapsed);
    }
}
