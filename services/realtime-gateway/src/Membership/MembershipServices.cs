using MassTransit;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>The gateway's membership projection from identity's events, and the live room moves it drives.</summary>
internal static class MembershipServices
{
    public static void AddMembership(this WebApplicationBuilder builder, bool backplane)
    {
        _ = backplane;
        builder.Services.AddSingleton<IUserGroups, NoUserGroups>();
    }

    public static void AddMembershipConsumers(this IBusRegistrationConfigurator bus)
    {
        _ = bus;
    }

    public static void ConfigureMembershipEndpoints(this IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context, bool backplane)
    {
        _ = rabbit;
        _ = context;
        _ = backplane;
    }

    // Placeholder until the projection lands: no groups.
    private sealed class NoUserGroups : IUserGroups
    {
        public ValueTask<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid userId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyCollection<Guid>>([]);
    }
}
