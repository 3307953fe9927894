using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Roomcast.RealtimeGateway.Accounts;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.BackplaneGap;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.Drain;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Hubs;
using Roomcast.RealtimeGateway.Membership;
using Roomcast.RealtimeGateway.Presence;
using Roomcast.RealtimeGateway.Replay;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.RealtimeGateway;

internal static class GatewayServices
{
    public static void AddGatewayServices(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddNotificationsHub();
        builder.AddDrain();
        builder.Services.AddSingleton(services => RoomMetrics.Observe(new LocalRooms(), services.GetRequiredService<IMeterFactory>()));
        builder.AddDelivery();

        var backplane = builder.HasBackplane();
        if (backplane)
        {
            builder.AddRedisBackplane();
        }
        else
        {
            builder.AddNoBackplaneNotice();
        }
        builder.AddLocalConnections(backplane
            ? typeof(Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisHubLifetimeManager<>)
            : typeof(DefaultHubLifetimeManager<>));

        builder.AddMembership(backplane);
        builder.AddAccounts(backplane);
        builder.AddRoomAccess(backplane);
        builder.AddEventBroker(backplane);
        builder.AddPresence(backplane);
        builder.AddReplays(backplane);
        if (backplane)
        {
            // Alone, an instance hears only its own announcements, which its consumer delivered already.
            builder.Services.AddHostedService<AudienceBroadcast>();
            builder.AddBackplaneGapRecovery();
        }

        // Every integration event the gateway consumes, each consumer on the one ordered endpoint.
        builder.AddEventEndpoint(backplane, bus =>
        {
            bus.AddConsumer<DocumentChangedConsumer>();
            bus.AddConsumer<RecordCreatedConsumer>();
            bus.AddConsumer<RecordChangedConsumer>();
            bus.AddConsumer<RecordDeletedConsumer>();
            bus.AddMembershipConsumers();
            bus.AddAccountConsumers();
        });
    }
}
