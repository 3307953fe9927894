using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.BackplaneGap;
using Roomcast.RealtimeGateway.Access;
using Roomcast.RealtimeGateway.Connections;
using Roomcast.RealtimeGateway.Delivery;
using Roomcast.RealtimeGateway.History;
using Roomcast.RealtimeGateway.Hubs;
using Roomcast.RealtimeGateway.Membership;
using Roomcast.RealtimeGateway.Presence;
using Roomcast.RealtimeGateway.Rooms;
using StackExchange.Redis;
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
        builder.AddValidatedOptions<HubLimitsOptions>(HubLimitsOptions.Section);
        var limits = builder.Configuration.GetSection(HubLimitsOptions.Section).Get<HubLimitsOptions>() ?? new HubLimitsOptions();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CallRateLimit>();
        builder.Services.AddSignalR(hub =>
        {
            hub.MaximumReceiveMessageSize = limits.MaximumReceiveMessageSize;
            hub.AddFilter<CallRateLimit>();
        });
        builder.Services.AddSingleton<LocalRooms>();
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<AudienceDelivery>();
        builder.AddValidatedOptions<DeliveryOrderOptions>(DeliveryOrderOptions.Section);
        builder.Services.AddSingleton(services => new DeliveryOrder(
            services.GetRequiredService<IOptions<DeliveryOrderOptions>>().Value.UnseenTimeout, services.GetRequiredService<ILogger<DeliveryOrder>>()));
        builder.AddValidatedOptions<DeliveryTimingsOptions>(DeliveryTimingsOptions.Section);
        builder.Services.AddSingleton<DeliveryTimings>();
        builder.Services.AddHostedService<DeliveryTimingsLog>();
        builder.AddValidatedOptions<DeliveryRetryOptions>(DeliveryRetryOptions.Section);
        builder.Services.AddSingleton<DeliveryMetrics>();

        // With the backplane, one instance consumes each event and the backplane carries it to the
        // others. Without it, every instance consumes every event from a queue of its own and
        // delivers to its local connections; that queue goes away with the instance.
        var backplane = builder.HasBackplane();
        if (backplane)
        {
            builder.AddRedisBackplane();
            builder.AddValidatedOptions<ConsumerTurnOptions>(ConsumerTurnOptions.Section);
            builder.Services.AddSingleton<ConsumerTurn>();
        }
        else
        {
            builder.AddNoBackplaneNotice();
        }
        builder.AddLocalConnections(backplane ? typeof(RedisHubLifetimeManager<>) : typeof(DefaultHubLifetimeManager<>));

        builder.AddMembership(backplane);
        builder.AddRoomAccess(backplane);
        builder.AddEventBroker(backplane);
        builder.Services.AddHostedService<AudienceBroadcast>();
        builder.AddPresence(backplane);
        if (backplane)
        {
            builder.AddBackplaneGapRecovery();
        }

        builder.AddRoomcastMessageBus(
            bus =>
            {
                bus.AddConsumeObserver<DeliveryStageObserver>();
                bus.AddConsumer<DocumentChangedConsumer>();
                bus.AddConsumer<RecordCreatedConsumer>();
                bus.AddConsumer<RecordChangedConsumer>();
                bus.AddConsumer<RecordDeletedConsumer>();
                bus.AddMembershipConsumers();
            },
            (context, rabbit) =>
            {
                var instance = context.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId;
                var retry = context.GetRequiredService<IOptions<DeliveryRetryOptions>>().Value;
                var inFlight = context.GetRequiredService<IOptions<DeliveryOrderOptions>>().Value.EventsInFlight;
                var queue = backplane ? SharedEventQueue : $"realtime-gateway.{instance}";
                rabbit.ReceiveEndpoint(queue, endpoint =>
                {
                    endpoint.Durable = backplane;
                    endpoint.AutoDelete = !backplane;
                    // One instance consumes the shared queue at a time (the others stand by and take
                    // over if it goes): events reach clients in seq order, as with a single instance.
                    endpoint.SingleActiveConsumer = backplane;
                    // Several events at once, each step of each in delivery order (DeliveryOrder): a
                    // connection still receives events in publish (seq) order.
                    endpoint.ConcurrentMessageLimit = inFlight;
                    endpoint.PrefetchCount = Math.Max(64, 4 * inFlight);
                    endpoint.ConfigureReceive(receive => receive.UseFilter(new DeliveryOrderFilter(context.GetRequiredService<DeliveryOrder>())));
                    var turn = backplane ? context.GetRequiredService<ConsumerTurn>() : null;
                    if (turn is not null)
                    {
                        endpoint.ConnectReceiveEndpointObserver(turn);
                    }
                    // A message that cannot be read or handled: a few tries, then the error pipe moves it to
                    // <queue>_error and the events behind it flow again. Redis away from this instance is
                    // not the message's fault: no retry here, the instance gives up its turn (ConsumerTurn).
                    endpoint.UseMessageRetry(failure =>
                    {
                        if (turn is not null)
                        {
                            failure.Ignore<Exception>(ConsumerTurn.IsNotTheMessagesFault);
                        }
                        failure.Exponential(retry.RetryLimit, retry.RetryMinInterval, retry.RetryMaxInterval, retry.RetryMinInterval);
                    });
                    endpoint.ConfigureError(error =>
                    {
                        if (turn is not null)
                        {
                            error.UseFilter(new ConsumerTurnFilter(turn));
                        }
                        error.UseFilter(new DeadLetterLog(context.GetRequiredService<ILogger<DeadLetterLog>>(), context.GetRequiredService<DeliveryMetrics>(), queue));
                        error.UseFilter(new MassTransit.Middleware.GenerateFaultFilter());
                        error.UseFilter(new MassTransit.Middleware.ErrorTransportFilter());
                    });
                    endpoint.ConfigureConsumer<DocumentChangedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordCreatedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordChangedConsumer>(context);
                    endpoint.ConfigureConsumer<RecordDeletedConsumer>(context);
                    endpoint.ConfigureMembershipConsumers(context);
                });
            });
    }
}
