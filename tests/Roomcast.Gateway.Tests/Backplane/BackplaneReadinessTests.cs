using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary>An instance reports ready only once Redis has confirmed its subscription to the audience channel.</summary>
public sealed class BackplaneReadinessTests : IAsyncLifetime
{
    private ConnectionMultiplexer _multiplexer = null!;
    private BackplaneRedis _redis = null!;

    public async Task InitializeAsync()
    {
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = TestRedis.NewPrefix() };
        var serverName = $"readiness-{Guid.NewGuid():N}";
        _multiplexer = await TestRedis.ConnectAsync(options, serverName);
        _redis = new BackplaneRedis(options, serverName, _multiplexer, NullLogger<BackplaneRedis>.Instance);
        await _redis.StartAsync(CancellationToken.None);
        await _redis.Connected.WaitAsync(TestRedis.Patience);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _multiplexer.DisposeAsync();
    }

    [Fact]
    public async Task AnInstanceIsNotReadyUntilItsAudienceSubscriptionIsConfirmed()
    {
        var check = new BackplaneReadinessCheck(_redis);

        // Connected to Redis, and other channels subscribed, is not enough.
        await _redis.SubscribeAsync(_redis.Channels.Membership, (_, _) => { });
        (await check.CheckHealthAsync(new HealthCheckContext())).Status.ShouldBe(HealthStatus.Unhealthy);

        await _redis.SubscribeAsync(_redis.Channels.Audience, (_, _) => { });
        (await check.CheckHealthAsync(new HealthCheckContext())).Status.ShouldBe(HealthStatus.Healthy);
    }
}
