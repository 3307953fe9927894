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
            bus => bus.AddConsumer<DocumentChangedConsumer>(),
            (context, rabbit) =>
            {
                var instance = context.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId;
                rabbit.ReceiveEndpoint($"realtime-gateway.{instance}", endpoint =>
                {
                    endpoint.Durable = false;
                    endpoint.AutoDelete = true;
                    endpoint.ConfigureConsumer<DocumentChangedConsumer>(context);
                });
            });
    }
}
