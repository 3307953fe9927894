using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Connections;
using StackExchange.Redis;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>A test hub; the lifetime manager never calls it.</summary>
public sealed class TestHub : Hub;

/// <summary>
/// Several gateway instances in one process, each as the gateway builds it: SignalR's
/// <see cref="RedisHubLifetimeManager{THub}"/> inside <see cref="LocalConnectionsLifetimeManager{THub}"/>,
/// over one multiplexer of its own (as in separate processes) that Roomcast's <see cref="BackplaneRedis"/>
/// uses too, all on one channel prefix.
/// </summary>
public sealed class BackplaneCluster : IAsyncDisposable
{
    private readonly List<Instance> _instances = [];

    private BackplaneCluster(string endpoint, string prefix)
    {
        Endpoint = endpoint;
        Prefix = prefix;
    }

    public string Endpoint { get; }

    public string Prefix { get; }

    /// <summary>SignalR's channel <paramref name="channel"/> (<c>group:room</c>, <c>all</c>, …) of the test hub, as this cluster names it in Redis.</summary>
    public string SignalRChannel(string channel) => new BackplaneChannels(Prefix).SignalR($"{typeof(TestHub).FullName}:{channel}");

    public HubLifetimeManager<TestHub> this[int index] => _instances[index].Manager;

    /// <summary>Roomcast's own access to Redis of instance <paramref name="index"/>, on the multiplexer its lifetime manager shares.</summary>
    public BackplaneRedis Redis(int index) => _instances[index].Redis;

    public IConnectionMultiplexer Multiplexer(int index) => _instances[index].Multiplexer;

    /// <summary>The connections Roomcast's audience path writes to on instance <paramref name="index"/>.</summary>
    public LocalConnections LocalConnections(int index) => _instances[index].Services.GetRequiredService<LocalConnections>();

    public int Count => _instances.Count;

    public static async Task<BackplaneCluster> StartAsync(int instances, string? endpoint = null, string? prefix = null)
    {
        var cluster = new BackplaneCluster(endpoint ?? TestRedis.Endpoint, prefix ?? TestRedis.NewPrefix());
        try
        {
            for (var index = 0; index < instances; index++)
            {
                await cluster.AddInstanceAsync();
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>A new instance; with <paramref name="waitForRedis"/> false it starts whether Redis is reachable or not, as a gateway does.</summary>
    public async Task<HubLifetimeManager<TestHub>> AddInstanceAsync(bool waitForRedis = true)
    {
        var options = new BackplaneOptions
        {
            Endpoint = Endpoint,
            ChannelPrefix = Prefix,
            CommandTimeout = TimeSpan.FromSeconds(2),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
        };
        var serverName = $"test-{_instances.Count}-{Guid.NewGuid():N}";
        var multiplexer = await TestRedis.ConnectAsync(options, serverName);
        var redis = new BackplaneRedis(options, serverName, multiplexer, NullLogger<BackplaneRedis>.Instance);
        await redis.StartAsync(CancellationToken.None);
        if (waitForRedis)
        {
            await redis.Connected.WaitAsync(TestRedis.Patience);
        }
        var services = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<IHubProtocolResolver>(new JsonOnlyProtocols())
            .AddSingleton<IConnectionMultiplexer>(multiplexer)
            .AddSingleton(redis)
            .AddSignalRBackplane()
            .AddLocalConnections(typeof(RedisHubLifetimeManager<>))
            .BuildServiceProvider();
        var instance = new Instance(multiplexer, redis, services, services.GetRequiredService<HubLifetimeManager<TestHub>>());
        _instances.Add(instance);
        return instance.Manager;
    }

    /// <summary>Stops instance <paramref name="index"/> as if its process died: its connections to Redis close.</summary>
    public async Task StopInstanceAsync(int index)
    {
        await _instances[index].DisposeAsync();
    }

    /// <summary>Disposes the lifetime manager of instance <paramref name="index"/> alone, as the host does on shutdown before the multiplexer.</summary>
    public async Task DisposeManagerAsync(int index)
    {
        await _instances[index].Services.DisposeAsync();
    }

    /// <summary>A new connection on instance <paramref name="index"/>, registered as SignalR does on connect.</summary>
    public async Task<TestConnection> ConnectAsync(int index, string name, string? userId = null, bool failWrites = false)
    {
        var connection = new TestConnection(name, userId, failWrites);
        await this[index].OnConnectedAsync(connection);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    private sealed record Instance(ConnectionMultiplexer Multiplexer, BackplaneRedis Redis, ServiceProvider Services, HubLifetimeManager<TestHub> Manager)
    {
        public async ValueTask DisposeAsync()
        {
            await Services.DisposeAsync();
            await Redis.DisposeAsync();
            await Multiplexer.DisposeAsync();
        }
    }
}
