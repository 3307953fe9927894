using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Membership;
using Roomcast.RealtimeGateway.Presence;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Messaging;

namespace Roomcast.RealtimeGateway;

internal static class GatewayServices
{
    /// <summary>The queue every instance with the backplane consumes from (single active consumer, the rest on standby).</summary>
    public const string SharedEventQueue = "realtime-gateway.events";

    public static void AddGatewayServices(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LocalRooms>();
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<AudienceDelivery>();

        // With the backplane, one instance consumes each event and the backplane carries it to the
        // others. Without it, every instance consumes every event from a queue of its own and
        // delivers to its local connections; that queue goes away with the instance.
        var backplane = builder.HasBackplane();
        if (backplane)
        {
            builder.AddRedisBackplane();
        }
        else
        {
            builder.AddNoBackplaneNotice();
        }

        builder.AddMembership(backplane);
        builder.AddRoomAccess(backplane);
        builder.AddEventHistory(backplane);
        builder.AddPresence(backplane);

        builder.AddRoomcastMessageBus(
            bus =>
            {
                bus.AddConsumer<DocumentChangedConsumer>();
                bus.AddConsumer<RecordCreatedConsumer>();
                bus.AddConsumer<RecordChangedConsumer>();
                bus.AddConsumer<RecordDeletedConsumer>();
                bus.AddMembershipConsumers();
            },
            (context, rabbit) =>
            {
                var instance = context.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId;
                rabbit.ReceiveEndpoint(backplane ? SharedEventQueue : $"realtime-gateway.{instance}", endpoint =>
                {
                    endpoint.Durable = backplane;
                    endpoint.AutoDelete = !backplane;
                    // One instance consumes the shared queue at a time (the others stand by and take
                    // over if it goes): events reach clients in seq order, as with a single instance.
                    endpoint.SingleActiveConsumer = backplane;
                    // One message at a time: a connection receives events in publish (seq) order.
                    endpoint.ConcurrentMessageLimit = 1;
                    endpoint.PrefetchCount = 64;
                    // Delivery to the other instances failed (Redis away): try again; local clients
                    // are not sent the event twice (RecentEvents).
                    endpoint.UseMessageRetry(retry => retry.Exponential(
                        8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(400)));
                    endpoint.ConfigureConsumer<DocumentChangedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordCreatedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordChangedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordDeletedConsumer>(context);
                    endpoint.ConfigureMembershipConsumers(context);
                });
            });
    }
}
