using Xunit;

namespace Roomcast.Redis.Tests.Infrastructure;

/// <summary>One command connection to the stack's Redis per test class, and the class's key prefix.</summary>
public sealed class SharedRedisFixture : IAsyncLifetime
{
    public RedisConnection Redis { get; private set; } = null!;

    public string Prefix { get; } = TestRedis.NewPrefix();

    public string Key(string name) => Prefix + name;

    public async Task InitializeAsync() => Redis = await RedisConnection.ConnectAsync(TestRedis.Options());

    public async Task DisposeAsync() => await Redis.DisposeAsync();
}
