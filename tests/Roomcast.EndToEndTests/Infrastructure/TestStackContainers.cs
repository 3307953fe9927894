using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;
using Testcontainers.Redis;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// The test stack as containers (<c>ROOMCAST_TEST_BACKING=containers</c>), shaped like the one
/// <c>scripts/stack.sh start test</c> runs as local processes: the same user and password, RabbitMQ with its
/// management API (the tests publish and peek through it), Redis refusing writes at its ceiling instead of
/// evicting. They start once per test process and are never stopped here: Testcontainers' reaper removes
/// them when the process ends.
/// </summary>
internal static class TestStackContainers
{
    private const string User = "roomcast";
    private const string Password = "roomcast";
    private const ushort RabbitMqManagementPort = 15672;

    public static TestStackSettings Start()
    {
        try
        {
            return StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception error)
        {
            throw new InvalidOperationException(
                $"{TestStackSettings.BackingVariable}={TestStackSettings.ContainersBacking} was chosen, but the test stack's containers " +
                $"did not start ({error.GetType().Name}: {error.Message}). The container path needs a Docker engine that answers; " +
                $"without one, run the tests against local processes: scripts/test.sh without {TestStackSettings.BackingVariable}.",
                error);
        }
    }

    private static async Task<TestStackSettings> StartAsync()
    {
        var postgres = new PostgreSqlBuilder("postgres:15-alpine")
            .WithUsername(User)
            .WithPassword(Password)
            .WithDatabase("postgres")
            // As stack.sh's test mode: many services and pools at once; throwaway data needs no durable commit.
            .WithCommand("-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off")
            .Build();
        var rabbitMq = new RabbitMqBuilder("rabbitmq:3.13-management-alpine")
            .WithUsername(User)
            .WithPassword(Password)
            .WithPortBinding(RabbitMqManagementPort, assignRandomHostPort: true)
            .Build();
        var redis = new RedisBuilder("redis:7-alpine")
            // As stack.sh's test mode; noeviction for the reason given there.
            .WithCommand("--save", "", "--appendonly", "no", "--maxmemory", "1gb", "--maxmemory-policy", "noeviction")
            .Build();

        await Task.WhenAll(postgres.StartAsync(), rabbitMq.StartAsync(), redis.StartAsync());

        return new TestStackSettings(
            postgres.Hostname,
            postgres.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort),
            User,
            Password,
            rabbitMq.Hostname,
            rabbitMq.GetMappedPublicPort(RabbitMqBuilder.RabbitMqPort),
            rabbitMq.GetMappedPublicPort(RabbitMqManagementPort),
            User,
            Password,
            $"{redis.Hostname}:{redis.GetMappedPublicPort(RedisBuilder.RedisPort)}");
    }
}
