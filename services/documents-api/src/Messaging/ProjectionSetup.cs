using MassTransit;
using Roomcast.DocumentsApi.Projection;
using Roomcast.DocumentsApi.Reconciliation;

namespace Roomcast.DocumentsApi.Messaging;

internal static class ProjectionSetup
{
    /// <summary>
    /// The durable queue all documents-api instances share (competing consumers), with retries and
    /// then MassTransit's error queue for an event that keeps failing. identity's membership snapshots
    /// come on it too; a snapshot is asked for when it becomes ready and when an event is dead-lettered.
    /// </summary>
    public const string QueueName = "documents-api.identity-projection";

    public static void AddProjectionConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<IdentityEventConsumers>();
        bus.AddConsumer<UserSessionsEndedConsumer>();
        bus.AddConsumer<GroupMembershipSnapshotConsumer>();
    }

    public static void ConfigureProjectionEndpoint(this IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context) =>
        rabbit.ReceiveEndpoint(QueueName, endpoint =>
        {
            var snapshots = context.GetRequiredService<MembershipSnapshotRequests>();
            endpoint.ConnectReceiveEndpointObserver(snapshots);
            endpoint.UseMessageRetry(retry => retry.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
            endpoint.ConfigureError(error =>
            {
                error.UseFilter(new SnapshotOnDeadLetter(snapshots));
                error.UseFilter(new MassTransit.Middleware.GenerateFaultFilter());
                error.UseFilter(new MassTransit.Middleware.ErrorTransportFilter());
            });
            endpoint.ConfigureConsumer<IdentityEventConsumers>(context);
            endpoint.ConfigureConsumer<UserSessionsEndedConsumer>(context);
            endpoint.ConfigureConsumer<GroupMembershipSnapshotConsumer>(context);
        });
}
