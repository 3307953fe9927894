using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>
/// The test stack's Redis, from <c>ROOMCAST_REDIS</c> (exported by <c>scripts/test.sh</c>). Missing, the
/// tests fail loudly: they never pass without the server they claim to test.
/// </summary>
internal static class TestRedis
{
    /// <summary>The bound on every wait for something asynchronous to happen.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static string Endpoint =>
        Environment.GetEnvironmentVariable("ROOMCAST_REDIS") is { Length: > 0 } endpoint
            ? endpoint
            : throw new InvalidOperationException(
                "ROOMCAST_REDIS is not set. The gateway backplane tests run against a real redis-server: run them with the README's " +
                "test command (scripts/test.sh), or export the settings printed by `scripts/stack.sh start test`.");

    /// <summary>A multiplexer of its own, as a gateway process has, configured as the gateway configures it.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(BackplaneOptions options, string serverName) =>
        await ConnectionMultiplexer.ConnectAsync(options.RedisConfiguration(serverName));

    /// <summary>A plain multiplexer, for a test that looks at Redis itself.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync() => await ConnectionMultiplexer.ConnectAsync(Endpoint);

    /// <summary>Channels of one test class start with their own random prefix, so classes running in parallel never meet.</summary>
    public static string NewPrefix() => $"roomcast-gateway-tests-{Guid.NewGuid():N}";
}
