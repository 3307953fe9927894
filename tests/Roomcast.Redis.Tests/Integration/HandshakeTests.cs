using Roomcast.Redis.Tests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.Redis.Tests.Integration;

/// <summary>AUTH and SELECT from the options, and what a failed connect looks like.</summary>
public sealed class HandshakeTests
{
    [Fact]
    public async Task AConnectionWithThePasswordIsAuthenticated()
    {
        await using var server = await RedisServerProcess.StartAsync(password: "s3cret");
        var options = TestRedis.Options(server.Endpoint);
        options.Password = "s3cret";

        await using var redis = await RedisConnection.ConnectAsync(options);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);

        await redis.SetAsync("k", "v");
        (await redis.GetAsync("k")).AsString().ShouldBe("v");
        await subscriber.SubscribeAsync("channel", new Inbox().Handler);
    }

    [Fact]
    public async Task AWrongPasswordFailsTheConnectWithTheServersReason()
    {
        await using var server = await RedisServerProcess.StartAsync(password: "s3cret");
        var options = TestRedis.Options(server.Endpoint);
        options.Password = "wrong";

        var failure = await Should.ThrowAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options));

        failure.Message.ShouldContain("refused the handshake");
        failure.Message.ShouldContain("WRONGPASS");
        failure.Message.ShouldNotContain("wrong ");
        failure.InnerException.ShouldBeOfType<RedisServerException>();
    }

    [Fact]
    public async Task WithoutThePasswordAProtectedServerRefusesCommands()
    {
        await using var server = await RedisServerProcess.StartAsync(password: "s3cret");
        await using var redis = await RedisConnection.ConnectAsync(TestRedis.Options(server.Endpoint));

        (await Should.ThrowAsync<RedisServerException>(() => redis.GetAsync("k"))).ErrorCode.ShouldBe("NOAUTH");
    }

    [Fact]
    public async Task AConnectionWorksInTheDatabaseItSelected()
    {
        var key = TestRedis.NewPrefix() + "where";
        var inDatabase3 = TestRedis.Options();
        inDatabase3.Database = 3;
        await using var database3 = await RedisConnection.ConnectAsync(inDatabase3);
        await using var database0 = await RedisConnection.ConnectAsync(TestRedis.Options());

        await database3.SetAsync(key, "in 3");

        (await database3.GetAsync(key)).AsString().ShouldBe("in 3");
        (await database0.GetAsync(key)).IsNull.ShouldBeTrue();
    }

    [Fact]
    public async Task ConnectingWhereNoServerListensFailsWithAConnectionException()
    {
        await using var server = await RedisServerProcess.StartAsync();
        var endpoint = server.Endpoint;
        await server.KillAsync();

        var failure = await Should.ThrowAsync<RedisConnectionException>(
            () => RedisConnection.ConnectAsync(TestRedis.Options(endpoint)).WaitAsync(TestRedis.Patience));

        failure.Message.ShouldContain($"Could not connect to Redis at {endpoint}");
    }

    [Fact]
    public async Task TheClientNameIsWhatTheServerListsTheConnectionAs()
    {
        var options = TestRedis.Options();
        options.ClientName = $"roomcast-redis-tests-{Guid.NewGuid():N}";
        await using var redis = await RedisConnection.ConnectAsync(options);

        (await redis.ExecuteAsync("CLIENT", "GETNAME")).AsString().ShouldBe(options.ClientName);
    }
}
