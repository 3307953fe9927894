namespace Roomcast.Redis.Tests.Infrastructure;

/// <summary>
/// The test stack's Redis, from <c>ROOMCAST_REDIS</c> (exported by <c>scripts/test.sh</c>). Missing, the
/// tests fail loudly: they never pass without the server they claim to test.
/// </summary>
internal static class TestRedis
{
    public static string Endpoint =>
        Environment.GetEnvironmentVariable("ROOMCAST_REDIS") is { Length: > 0 } endpoint
            ? endpoint
            : throw new InvalidOperationException(
                "ROOMCAST_REDIS is not set. The Redis client tests run against a real redis-server: run them with the README's " +
                "test command (scripts/test.sh), or export the settings printed by `scripts/stack.sh start test`.");

    /// <summary>Options for <paramref name="endpoint"/> (default: the stack's) with quick reconnects, for tests that wait for them.</summary>
    public static RedisOptions Options(string? endpoint = null) => new()
    {
        Endpoint = endpoint ?? Endpoint,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>Keys and channels of one test class start with their own random prefix, so classes running in parallel never meet.</summary>
    public static string NewPrefix() => $"roomcast-redis-tests:{Guid.NewGuid():N}:";

    /// <summary>The bound on every wait for something asynchronous to happen.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
}
