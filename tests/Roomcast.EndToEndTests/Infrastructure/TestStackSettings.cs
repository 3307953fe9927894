namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// Where the real PostgreSQL, RabbitMQ and Redis of the test stack listen. Two backings, chosen
/// explicitly: local processes (the default: the environment that <c>scripts/test.sh</c> exports after
/// <c>scripts/stack.sh start test</c>), or containers this test process starts once
/// (<c>ROOMCAST_TEST_BACKING=containers</c>, where a Docker engine answers). Missing settings fail the
/// test loudly: these tests never pass without the servers they claim to test.
/// </summary>
public sealed record TestStackSettings(
    string PostgresHost,
    int PostgresPort,
    string PostgresUser,
    string PostgresPassword,
    string RabbitMqHost,
    int RabbitMqPort,
    int RabbitMqManagementPort,
    string RabbitMqUser,
    string RabbitMqPassword,
    string Redis)
{
    public const string BackingVariable = "ROOMCAST_TEST_BACKING";
    public const string ContainersBacking = "containers";

    private static readonly Lazy<TestStackSettings> Shared = new(
        () => IsContainersChosen(Environment.GetEnvironmentVariable)
            ? TestStackContainers.Start()
            : FromVariables(Environment.GetEnvironmentVariable));

    /// <summary>The stack of this test process: the containers start at the first read, once.</summary>
    public static TestStackSettings Current => Shared.Value;

    public string PostgresConnectionString(string database) =>
        $"Host={PostgresHost};Port={PostgresPort};Username={PostgresUser};Password={PostgresPassword};Database={database}";

    /// <summary>Whether the containers were asked for; any other value than the two backings is a mistake, not a default.</summary>
    public static bool IsContainersChosen(Func<string, string?> variable) =>
        variable(BackingVariable) switch
        {
            null or "" or "processes" => false,
            ContainersBacking => true,
            var other => throw new InvalidOperationException(
                $"{BackingVariable}={other} is not a test backing: leave it unset (local processes, scripts/test.sh) or set it to '{ContainersBacking}'."),
        };

    public static TestStackSettings FromVariables(Func<string, string?> variable)
    {
        string Require(string name) =>
            variable(name) is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException(
                    $"{name} is not set. The end-to-end tests run against real servers, from one of two places: local processes " +
                    "(the README's test command, scripts/test.sh, or the settings printed by `scripts/stack.sh start test`), " +
                    $"or containers where a Docker engine answers ({BackingVariable}={ContainersBacking} scripts/test.sh).");

        return new(
            Require("ROOMCAST_PG_HOST"),
            int.Parse(Require("ROOMCAST_PG_PORT")),
            Require("ROOMCAST_PG_USER"),
            Require("ROOMCAST_PG_PASSWORD"),
            Require("ROOMCAST_RABBITMQ_HOST"),
            int.Parse(Require("ROOMCAST_RABBITMQ_PORT")),
            int.Parse(Require("ROOMCAST_RABBITMQ_MANAGEMENT_PORT")),
            Require("ROOMCAST_RABBITMQ_USER"),
            Require("ROOMCAST_RABBITMQ_PASSWORD"),
            Require("ROOMCAST_REDIS"));
    }
}
