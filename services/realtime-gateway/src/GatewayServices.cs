using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.Rooms;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Messaging;

namespace Roomcast.RealtimeGateway;

internal static class GatewayServices
{
    public static void AddGatewayServices(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GatewayOptions>(GatewayOptions.Section);
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LocalRooms>();
        builder.Services.AddSingleton<AudienceDelivery>();

        // Until the Redis backplane lands (issue 5), every instance consumes every event from a queue
        // of its own and delivers to its local connections; the queue goes away with the instance.
        builder.AddRoomcastMessageBus(
            bus =>
            {
                bus.AddConsumer<DocumentChangedConsumer>();
                bus.AddConsumer<RecordCreatedConsumer>();
                bus.AddConsumer<RecordChangedConsumer>();
                bus.AddConsumer<RecordDeletedConsumer>();
            },
            (context, rabbit) =>
            {
                var instance = context.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId;
                rabbit.ReceiveEndpoint($"realtime-gateway.{instance}", endpoint =>
                {
                    endpoint.Durable = false;
                    endpoint.AutoDelete = true;
                    // One message at a time: a connection receives events in publish (seq) order.
                    endpoint.ConcurrentMessageLimit = 1;
                    endpoint.PrefetchCount = 64;
                    endpoint.ConfigureConsumer<DocumentChangedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordCreatedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordChangedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordDeletedConsumer>(context);
                });
            });
    }
}
