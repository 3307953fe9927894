using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Backplane;

/// <summary><c>Redis__Endpoint</c> is a StackExchange.Redis configuration string; the gateway adds what it needs whatever the string says.</summary>
public sealed class RedisConfigurationTests
{
    [Fact]
    public void PasswordTlsAndSentinelOfTheConfigurationStringAreKept()
    {
        var options = new BackplaneOptions
        {
            Endpoint = "sentinel-a:26379,sentinel-b:26379,serviceName=mymaster,password=s3cret,ssl=true,sslHost=redis.example,abortConnect=true",
        };

        var configuration = options.RedisConfiguration("instance-7");

        configuration.EndPoints.Select(EndPointCollection.ToString).ShouldBe(["sentinel-a:26379", "sentinel-b:26379"]);
        configuration.ServiceName.ShouldBe("mymaster");
        configuration.Password.ShouldBe("s3cret");
        configuration.Ssl.ShouldBeTrue();
        configuration.SslHost.ShouldBe("redis.example");
        configuration.AbortOnConnectFail.ShouldBeFalse("a gateway starts while Redis is away and connects in the background");
        configuration.ClientName.ShouldBe("gateway-instance-7");
        options.EndpointForLogs.ShouldNotContain("s3cret");
    }

    [Fact]
    public void ABareHostAndPortGetsTheGatewaysTimeoutsAndFailsFastWhileRedisIsAway()
    {
        var options = new BackplaneOptions { Endpoint = "redis:6380", CommandTimeout = TimeSpan.FromMilliseconds(1500) };

        var configuration = options.RedisConfiguration("instance-7");

        configuration.EndPoints.Select(EndPointCollection.ToString).ShouldBe(["redis:6380"]);
        configuration.Password.ShouldBeNull();
        configuration.Ssl.ShouldBeFalse();
        configuration.ConnectTimeout.ShouldBe(1500);
        configuration.SyncTimeout.ShouldBe(1500);
        configuration.AsyncTimeout.ShouldBe(1500);
        configuration.BacklogPolicy.QueueWhileDisconnected.ShouldBeFalse("a command must fail at once while Redis is away, not queue");
    }

    [Fact]
    public void UserAndPasswordOptionsOverrideTheConfigurationStringAndAClientChannelPrefixIsDropped()
    {
        var options = new BackplaneOptions { Endpoint = "redis:6379,user=old,password=old,channelPrefix=extra", User = "gateway", Password = "new" };

        var configuration = options.RedisConfiguration("instance-7");

        configuration.User.ShouldBe("gateway");
        configuration.Password.ShouldBe("new");
        // The history's script publishes by name inside Redis: a prefix only the client adds would split the channels.
        configuration.ChannelPrefix.IsNullOrEmpty.ShouldBeTrue();
    }

    [Fact]
    public void Resp3InTheConfigurationStringIsOverriddenSoSubscriptionsKeepAConnectionOfTheirOwn()
    {
        var options = new BackplaneOptions { Endpoint = "redis:6379,protocol=resp3" };

        var configuration = options.RedisConfiguration("instance-7");

        // The loss and return of the subscription connection is how an instance knows it missed announcements.
        configuration.Protocol.ShouldBe(RedisProtocol.Resp2);
    }

    [Fact]
    public void AReconnectPauseBelowTheFirstRetryIsRefusedAtStart()
    {
        var options = new BackplaneOptions { Endpoint = "redis:6379", ReconnectMaxDelay = TimeSpan.FromMilliseconds(20) };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        var valid = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true);

        valid.ShouldBeFalse("StackExchange.Redis's exponential retry starts at 50 ms and throws on a smaller maximum");
        results.ShouldContain(result => result.MemberNames.Contains(nameof(BackplaneOptions.ReconnectMaxDelay)));
    }

    [Fact]
    public async Task TheGatewaysMultiplexerReachesARedisThatAsksForThePasswordOfTheConfigurationString()
    {
        await using var server = await RedisServerProcess.StartAsync(password: "s3cret");
        var options = new BackplaneOptions { Endpoint = $"{server.Endpoint},password=s3cret" };

        await using var redis = await TestRedis.ConnectAsync(options, "password-test");

        (await redis.GetDatabase().PingAsync()).ShouldBeLessThan(TestRedis.Patience);
        (await redis.GetDatabase().ExecuteAsync("CLIENT", "GETNAME")).ToString().ShouldBe("gateway-password-test");
    }
}
