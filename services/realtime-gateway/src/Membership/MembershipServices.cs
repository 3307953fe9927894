using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Auth;
using Roomcast.ServiceDefaults.Configuration;
using StackExchange.Redis;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>The gateway's membership projection from identity's events, and the live room moves it drives.</summary>
internal static class MembershipServices
{
    /// <summary>With the backplane the projection lives in Redis and moves reach every instance; without, both stay in this process.</summary>
    public static void AddMembership(this WebApplicationBuilder builder, bool backplane)
    {
        var services = builder.Services;
        if (backplane)
        {
            services.AddSingleton<IMembershipProjection>(provider => new RedisMembershipProjection(
                provider.GetRequiredService<IConnectionMultiplexer>(),
                provider.GetRequiredService<IOptions<BackplaneOptions>>().Value));
            services.AddSingleton(provider => new GroupRoomMoves(
                provider.GetRequiredService<LocalRooms>(),
                provider.GetRequiredService<ILogger<GroupRoomMoves>>(),
                provider.GetRequiredService<BackplaneRedis>()));
            services.AddHostedService<MoveSubscriptionStarter>();
        }
        else
        {
            services.AddSingleton<IMembershipProjection, InMemoryMembershipProjection>();
            services.AddSingleton(provider => new GroupRoomMoves(
                provider.GetRequiredService<LocalRooms>(),
                provider.GetRequiredService<ILogger<GroupRoomMoves>>()));
        }

        // A user the projection never heard of gets their groups from identity on their first connect.
        builder.AddValidatedOptions<MembershipOptions>(MembershipOptions.Section);
        services.AddHttpContextAccessor();
        services.AddHttpClient<IdentityGroups>((provider, http) =>
        {
            var membership = provider.GetRequiredService<IOptions<MembershipOptions>>().Value;
            var identity = string.IsNullOrWhiteSpace(membership.IdentityUrl)
                ? provider.GetRequiredService<IOptions<JwtValidationOptions>>().Value.Authority
                : membership.IdentityUrl;
            http.BaseAddress = new Uri(identity.TrimEnd('/') + "/");
            http.Timeout = membership.IdentityTimeout;
        });
        services.AddScoped<IUserGroups, BackfilledUserGroups>();

        // Reconciliation with identity's membership snapshots: asked for when the event queue is ready
        // and when a group event is dead-lettered (a step of the event endpoint's error pipe).
        services.AddSingleton<MembershipDriftMetrics>();
        services.AddSingleton<MembershipSnapshotRequests>();
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<MembershipSnapshotRequests>());
        services.AddSingleton<IFilter<ExceptionReceiveContext>>(provider => provider.GetRequiredService<MembershipSnapshotRequests>());
    }

    /// <summary>
    /// identity's group events, one consumer each (its user events are <c>Accounts</c>'). They go on the gateway's one event endpoint with every other
    /// consumer (<see cref="Delivery.EventEndpoint"/>), so they keep their place in one order with
    /// documents-api's.
    /// </summary>
    public static void AddMembershipConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<StudentGroupCreatedConsumer>();
        bus.AddConsumer<StudentGroupChangedConsumer>();
        bus.AddConsumer<StudentGroupDeletedConsumer>();
        bus.AddConsumer<GroupMembershipChangedConsumer>();
        bus.AddConsumer<GroupMembershipSnapshotConsumer>();
    }

    /// <summary>
    /// Subscribes the move channel when the gateway starts: an instance that consumes no identity event
    /// would otherwise never build <see cref="GroupRoomMoves"/>, and miss the moves the others publish.
    /// </summary>
    private sealed class MoveSubscriptionStarter(GroupRoomMoves moves) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => moves.SubscribedAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
