using MassTransit;
using Roomcast.ServiceDefaults.Messaging.DeadLetters;

namespace Roomcast.Identity.MembershipSnapshots;

internal static class MembershipSnapshotSetup
{
    /// <summary>The queue all identity instances share for snapshot requests (competing consumers: one instance answers each).</summary>
    public const string QueueName = "identity.membership-snapshot-requests";

    public static void AddMembershipSnapshots(this IServiceCollection services)
    {
        services.AddSingleton<MembershipSnapshotStore>();
        services.AddSingleton<MembershipSnapshots>();
        services.AddHostedService(provider => provider.GetRequiredService<MembershipSnapshots>());
        services.AddDeadLetterQueue(QueueName);
    }

    public static void AddMembershipSnapshotConsumers(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<MembershipSnapshotRequestedConsumer>();

    public static void ConfigureMembershipSnapshotEndpoint(this IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context) =>
        rabbit.ReceiveEndpoint(QueueName, endpoint => endpoint.ConfigureConsumer<MembershipSnapshotRequestedConsumer>(context));
}
