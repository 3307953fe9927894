using MassTransit;

namespace Roomcast.DocumentsApi.Projection;

internal static class ProjectionSetup
{
    /// <summary>
    /// The durable queue all documents-api instances share (competing consumers), with retries and
    /// then MassTransit's error queue for an event that keeps failing.
    /// </summary>
    public const string QueueName = "documents-api.identity-projection";

    public static void AddProjectionConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<IdentityEventConsumers>();
        bus.AddConsumer<UserSessionsEndedConsumer>();
    }

    public static void ConfigureProjectionEndpoint(this IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context) =>
        rabbit.ReceiveEndpoint(QueueName, endpoint =>
        {
            endpoint.UseMessageRetry(retry => retry.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
            endpoint.ConfigureConsumer<IdentityEventConsumers>(context);
            endpoint.ConfigureConsumer<UserSessionsEndedConsumer>(context);
        });
}
