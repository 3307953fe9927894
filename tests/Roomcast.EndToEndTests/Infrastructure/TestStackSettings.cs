namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// Where the real PostgreSQL, RabbitMQ and Redis of the test stack listen, from the environment that
/// <c>scripts/test.sh</c> exports. Missing settings fail the test loudly: these tests never pass
/// without the servers they claim to test.
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
    public static TestStackSettings FromEnvironment() => new(
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

    public string PostgresConnectionString(string database) =>
        $"Host={PostgresHost};Port={PostgresPort};Username={PostgresUser};Password={PostgresPassword};Database={database}";

    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set. The end-to-end tests run against real servers: start them with the README's test command (scripts/test.sh), " +
                "or export the settings printed by `scripts/stack.sh start test`.");
}
