using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Client;
using Roomcast.Gateway.Tests.Connections;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.BackplaneGap;
using Roomcast.RealtimeGateway.Connections;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.BackplaneGap;

/// <summary>
/// One instance, subscribed to the audience channel on a redis-server of the test's own, with local
/// connections: the test cuts its subscription connection (<c>CLIENT KILL TYPE pubsub</c>) or restarts
/// the server, and once the subscription is back every local connection is told to reconnect and
/// resume, and its cached root-access answers are asked again; none is told on the first connect.
/// </summary>
public sealed class BackplaneGapTests : IAsyncLifetime
{
    private const string ServerName = "gap-tests";

    private readonly CountingDocumentsApi _documentsApi = new();
    private readonly ServiceProvider _services;
    private readonly MeterListener _gapListener = new();
    private long _gaps;
    private RedisServerProcess _server = null!;
    private ConnectionMultiplexer? _multiplexer;
    private BackplaneRedis? _redis;
    private BackplaneGapRecovery? _recovery;
    private LocalConnections _connections = null!;
    private HeldConnection _connectedBeforeRedis = null!;

    private RootReadAccess _rootAccess = null!;

    public BackplaneGapTests()
    {
        var services = new ServiceCollection().AddMetrics();
        services.AddHttpClient(RootReadAccess.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => _documentsApi);
        _services = services.BuildServiceProvider();
    }

    private long Gaps => Interlocked.Read(ref _gaps);

    public async Task InitializeAsync()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _gapListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "roomcast.backplane.gaps")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _gapListener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _gaps, value));
        _gapListener.Start();

        _server = await RedisServerProcess.StartAsync();
        _connections = new LocalConnections(
            Options.Create(new OutboundBufferOptions { CloseGrace = TimeSpan.Zero }), new JsonOnlyProtocols(), new ConnectionMetrics(meters),
            TimeProvider.System, NullLogger<LocalConnections>.Instance);
        _connectedBeforeRedis = Add("connected before redis");

        // Wired as the gateway wires it: the recovery listens before the backplane's first connect.
        var options = new BackplaneOptions
        {
            Endpoint = _server.Endpoint,
            ChannelPrefix = TestRedis.NewPrefix(),
            CommandTimeout = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        _multiplexer = await TestRedis.ConnectAsync(options, ServerName);
        _redis = new BackplaneRedis(options, ServerName, _multiplexer, NullLogger<BackplaneRedis>.Instance);
        var access = Options.Create(new RoomAccessOptions { DocumentsApiUrl = "http://documents-api.test", CacheDuration = TimeSpan.FromMinutes(10) });
        _rootAccess = new RootReadAccess(
            _services.GetRequiredService<IHttpClientFactory>(), new RedisMembershipDepartures(_redis, access), access,
            TimeProvider.System, NullLogger<RootReadAccess>.Instance);
        _recovery = new BackplaneGapRecovery(
            _redis, _connections, _rootAccess, new BackplaneMetrics(meters), Options.Create(new BackplaneGapOptions { ReconnectWindow = TimeSpan.Zero }),
            NullLogger<BackplaneGapRecovery>.Instance);
        await _recovery.StartAsync(CancellationToken.None);
        await _redis.StartAsync(CancellationToken.None);
        await _redis.Connected.WaitAsync(TestRedis.Patience);
        // Subscribed, as every gateway is: a connection without subscriptions is no pubsub client to Redis.
        await _redis.SubscribeAsync(_redis.Channels.Audience, (_, _) => { });
    }

    public async Task DisposeAsync()
    {
        if (_recovery is not null)
        {
            await _recovery.StopAsync(CancellationToken.None);
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }
        await _server.DisposeAsync();
        _gapListener.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task AConnectionIsNotToldToReconnectOnTheFirstConnect()
    {
        _connections.Write([_connectedBeforeRedis.ConnectionId], Event()).ShouldBe(1, "the connection stopped taking events");

        (await TypeOfAsync(_connectedBeforeRedis)).ShouldBe(HubProtocolConstants.InvocationMessageType);
        _connectedBeforeRedis.CloseRequested.ShouldBeFalse();
        Gaps.ShouldBe(0);
    }

    [Fact]
    public async Task EveryConnectionIsToldToReconnectAndResumeWhenTheSubscriptionConnectionWasKilled()
    {
        var live = Add("live");
        var (user, root) = (Guid.NewGuid(), Guid.NewGuid());
        (await _rootAccess.CanReadAsync(user, root, "token", CancellationToken.None)).ShouldBeTrue();
        (await _rootAccess.CanReadAsync(user, root, "token", CancellationToken.None)).ShouldBeTrue();
        _documentsApi.Questions.ShouldBe(1, "the second answer comes from the cache");

        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{_server.Endpoint},allowAdmin=true"))
        {
            var killed = (long)await admin.GetServer(_server.Endpoint).ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
            killed.ShouldBeGreaterThanOrEqualTo(1);
        }

        await ShouldBeToldToReconnectAndResumeAsync(live);
        await ShouldBeToldToReconnectAndResumeAsync(_connectedBeforeRedis);
        Gaps.ShouldBe(1, "the kill is one gap; the first connect was none");
        _connections.Write([live.ConnectionId], Event()).ShouldBe(0, "a connection told to reconnect takes no more live events");
        (await _rootAccess.CanReadAsync(user, root, "token", CancellationToken.None)).ShouldBeTrue();
        _documentsApi.Questions.ShouldBe(2, "a revocation may have been missed: the cached answer is asked again");
    }

    [Fact]
    public async Task AfterARedisRestartEvenAConnectionThatConnectedDuringTheOutageIsToldToReconnectAndResume()
    {
        var beforeTheOutage = Add("before the outage");

        await _server.KillAsync();
        var duringTheOutage = Add("during the outage");
        await _server.StartAgainAsync();

        await ShouldBeToldToReconnectAndResumeAsync(beforeTheOutage);
        await ShouldBeToldToReconnectAndResumeAsync(duringTheOutage);
        await ShouldBeToldToReconnectAndResumeAsync(_connectedBeforeRedis);
        Gaps.ShouldBeGreaterThanOrEqualTo(1);
    }

    private HeldConnection Add(string name)
    {
        var connection = HeldConnection.Create(name, held: false);
        _connections.Add(connection);
        return connection;
    }

    private static SerializedHubMessage Event() => new(new InvocationMessage(ClientEvents.ChangedDocument, [new { number = 1 }]));

    private static async Task<int> TypeOfAsync(HeldConnection connection)
    {
        using var message = JsonDocument.Parse(await connection.NextAsync());
        return message.RootElement.GetProperty("type").GetInt32();
    }

    /// <summary>The next message is SignalR's close with <see cref="CloseReasons.MissedEvents"/> and reconnecting allowed, then the connection is closed (not aborted).</summary>
    private static async Task ShouldBeToldToReconnectAndResumeAsync(HeldConnection connection)
    {
        using var close = JsonDocument.Parse(await connection.NextAsync());
        close.RootElement.GetProperty("type").GetInt32().ShouldBe(HubProtocolConstants.CloseMessageType);
        close.RootElement.GetProperty("error").GetString().ShouldBe(CloseReasons.MissedEvents);
        close.RootElement.GetProperty("allowReconnect").GetBoolean().ShouldBeTrue();

        using var timeout = new CancellationTokenSource(TestRedis.Patience);
        while (!connection.CloseRequested)
        {
            await Task.Delay(10, timeout.Token); // poll interval of a bounded wait
        }
        connection.Aborted.ShouldBeFalse("Abort forbids the client to reconnect");
    }

    /// <summary>documents-api answering every root question with "readable", counting the questions.</summary>
    private sealed class CountingDocumentsApi : HttpMessageHandler
    {
        private int _questions;

        public int Questions => Volatile.Read(ref _questions);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _questions);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
