using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>
/// The test stack's Redis (<see cref="TestStackSettings"/>: local processes or containers). Missing, the
/// tests fail loudly: they never pass without the server they claim to test.
/// </summary>
internal static class TestRedis
{
    /// <summary>The bound on every wait for something asynchronous to happen.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static string Endpoint => TestStackSettings.Current.Redis;

    /// <summary>A multiplexer of its own, as a gateway process has, configured as the gateway configures it.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(BackplaneOptions options, string serverName) =>
        await ConnectionMultiplexer.ConnectAsync(options.RedisConfiguration(serverName));

    /// <summary>A plain multiplexer, for a test that looks at Redis itself.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync() => await ConnectionMultiplexer.ConnectAsync(Endpoint);

    /// <summary>Channels of one test class start with their own random prefix, so classes running in parallel never meet.</summary>
    public static string NewPrefix() => $"roomcast-gateway-tests-{Guid.NewGuid():N}";
}
