using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>A test hub; the lifetime manager never calls it.</summary>
public sealed class TestHub : Hub;

/// <summary>
/// Several gateway instances in one process: each a <see cref="RedisHubLifetimeManager{THub}"/> with
/// a multiplexer of its own, as in separate processes, sharing one channel prefix.
/// </summary>
public sealed class BackplaneCluster : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<Instance> _instances = [];

    private BackplaneCluster(string endpoint, string prefix, TimeSpan ackTimeout)
    {
        Endpoint = endpoint;
        Prefix = prefix;
        AckTimeout = ackTimeout;
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Metrics = new BackplaneMetrics(_services.GetRequiredService<IMeterFactory>());
    }

    public string Endpoint { get; }

    public string Prefix { get; }

    public TimeSpan AckTimeout { get; }

    /// <summary>Shared by every instance, so a test counts the failures of all.</summary>
    public BackplaneMetrics Metrics { get; }

    public IMeterFactory MeterFactory => _services.GetRequiredService<IMeterFactory>();

    public RedisHubLifetimeManager<TestHub> this[int index] => _instances[index].Manager;

    public int Count => _instances.Count;

    public static async Task<BackplaneCluster> StartAsync(int instances, string? endpoint = null, TimeSpan? ackTimeout = null)
    {
        var cluster = new BackplaneCluster(endpoint ?? TestRedis.Endpoint, TestRedis.NewPrefix(), ackTimeout ?? TimeSpan.FromSeconds(5));
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

    public async Task<RedisHubLifetimeManager<TestHub>> AddInstanceAsync()
    {
        var options = new BackplaneOptions
        {
            Endpoint = Endpoint,
            ChannelPrefix = Prefix,
            AckTimeout = AckTimeout,
            CommandTimeout = TimeSpan.FromSeconds(2),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
        };
        var serverName = $"test-{_instances.Count}-{Guid.NewGuid():N}";
        var multiplexer = await TestRedis.ConnectAsync(options, serverName);
        var redis = new BackplaneRedis(options, serverName, multiplexer, NullLogger<BackplaneRedis>.Instance);
        await redis.StartAsync(CancellationToken.None);
        await redis.Connected.WaitAsync(TestRedis.Patience);
        var manager = new RedisHubLifetimeManager<TestHub>(redis, new JsonOnlyProtocols(), Metrics, NullLogger<RedisHubLifetimeManager<TestHub>>.Instance);
        _instances.Add(new Instance(multiplexer, redis, manager));
        return manager;
    }

    /// <summary>Stops instance <paramref name="index"/> as if its process died: its connections to Redis close.</summary>
    public async Task StopInstanceAsync(int index)
    {
        await _instances[index].DisposeAsync();
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
        await _services.DisposeAsync();
    }

    private sealed record Instance(ConnectionMultiplexer Multiplexer, BackplaneRedis Redis, RedisHubLifetimeManager<TestHub> Manager)
    {
        public async ValueTask DisposeAsync()
        {
            await Manager.DisposeAsync();
            await Redis.DisposeAsync();
            await Multiplexer.DisposeAsync();
        }
    }
}
