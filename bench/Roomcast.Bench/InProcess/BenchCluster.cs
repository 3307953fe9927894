using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using StackExchange.Redis;

namespace Roomcast.Bench.InProcess;

/// <summary>A hub for the in-process runs; the lifetime manager never calls it.</summary>
public sealed class BenchHub : Hub;

/// <summary>
/// N gateway instances in this process, each composed as the gateway composes it (SignalR's
/// <see cref="RedisHubLifetimeManager{THub}"/> inside <see cref="LocalConnectionsLifetimeManager{THub}"/>)
/// over a multiplexer of its own on the real redis-server, as in separate processes, on one fresh channel prefix.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly List<(ConnectionMultiplexer Multiplexer, BackplaneRedis Redis, ServiceProvider Services, HubLifetimeManager<BenchHub> Manager)> _instances = [];

    private BenchCluster()
    {
    }

    public HubLifetimeManager<BenchHub> this[int index] => _instances[index].Manager;

    public int Count => _instances.Count;

    public static async Task<BenchCluster> StartAsync(string endpoint, int instances)
    {
        var cluster = new BenchCluster();
        var prefix = $"bench-{Guid.NewGuid():N}";
        try
        {
            for (var index = 0; index < instances; index++)
            {
                var options = new BackplaneOptions { Endpoint = endpoint, ChannelPrefix = prefix };
                var multiplexer = await ConnectionMultiplexer.ConnectAsync(options.RedisConfiguration($"bench-{index}"));
                var redis = new BackplaneRedis(options, $"bench-{index}", multiplexer, NullLogger<BackplaneRedis>.Instance);
                await redis.StartAsync(CancellationToken.None);
                await redis.Connected.WaitAsync(TimeSpan.FromSeconds(20));
                var services = new ServiceCollection()
                    .AddLogging()
                    .AddMetrics()
                    .AddSingleton(TimeProvider.System)
                    .AddSingleton<IHubProtocolResolver>(new JsonProtocolOnly())
                    .AddSingleton<IConnectionMultiplexer>(multiplexer)
                    .AddSingleton(redis)
                    .AddSignalRBackplane()
                    .AddLocalConnections(typeof(RedisHubLifetimeManager<>))
                    .BuildServiceProvider();
                cluster._instances.Add((multiplexer, redis, services, services.GetRequiredService<HubLifetimeManager<BenchHub>>()));
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (multiplexer, redis, services, _) in _instances)
        {
            await services.DisposeAsync();
            await redis.DisposeAsync();
            await multiplexer.DisposeAsync();
        }
    }

    /// <summary>The protocols of a gateway that registers only SignalR's default, JSON.</summary>
    private sealed class JsonProtocolOnly : IHubProtocolResolver
    {
        private static readonly IHubProtocol Json = new JsonHubProtocol();

        public IReadOnlyList<IHubProtocol> AllProtocols { get; } = [Json];

        public IHubProtocol? GetProtocol(string protocolName, IReadOnlyList<string>? supportedProtocols) =>
            protocolName == Json.Name ? Json : null;
    }
}
