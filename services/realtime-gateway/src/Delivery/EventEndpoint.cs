using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Health;
using Roomcast.ServiceDefaults.Messaging;
using Roomcast.ServiceDefaults.Messaging.DeadLetters;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// The gateway's one receive endpoint for integration events, and its policy: which queue, how many
/// events at once and in which order, what is retried, and where a message that keeps failing goes.
/// Every consumer on the bus is configured here and nowhere else: clients see one seq order across
/// event types because every event goes through this one endpoint, in one delivery order.
/// </summary>
internal static class EventEndpoint
{
    /// <summary>The queue every instance with the backplane consumes from (single active consumer, the rest on standby).</summary>
    public const string SharedQueue = "realtime-gateway.events";

    /// <summary>
    /// The message bus with the consumers <paramref name="addConsumers"/> registers, all on this endpoint.
    /// With the backplane, one instance consumes each event and the backplane carries it to the others.
    /// Without it, every instance consumes every event from a queue of its own and delivers to its local
    /// connections; that queue goes away with the instance.
    /// </summary>
    public static void AddEventEndpoint(this WebApplicationBuilder builder, bool backplane, Action<IBusRegistrationConfigurator> addConsumers)
    {
        builder.AddValidatedOptions<DeliveryRetryOptions>(DeliveryRetryOptions.Section);
        if (backplane)
        {
            builder.AddValidatedOptions<ConsumerTurnOptions>(ConsumerTurnOptions.Section);
            builder.Services.AddSingleton<ConsumerTurn>();
            builder.Services.AddHealthChecks().AddCheck<ConsumerTurnLivenessCheck>("consumer-turn", tags: [HealthTags.Live]);
        }

        builder.Services.AddDeadLetterQueue(services => QueueOf(services.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId, backplane));
        builder.AddRoomcastMessageBus(
            bus =>
            {
                bus.AddConsumeObserver<DeliveryStageObserver>();
                addConsumers(bus);
            },
            (context, rabbit) => Configure(rabbit, context, backplane));
    }

    /// <summary>The queue this instance consumes: shared with the backplane, its own without.</summary>
    private static string QueueOf(string instance, bool backplane) => backplane ? SharedQueue : $"realtime-gateway.{instance}";

    private static void Configure(IRabbitMqBusFactoryConfigurator rabbit, IBusRegistrationContext context, bool backplane)
    {
        var instance = context.GetRequiredService<IOptions<GatewayOptions>>().Value.InstanceId;
        var retry = context.GetRequiredService<IOptions<DeliveryRetryOptions>>().Value;
        var inFlight = context.GetRequiredService<IOptions<DeliveryOrderOptions>>().Value.EventsInFlight;
        var queue = QueueOf(instance, backplane);
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
            var turn = backplane ? context.GetRequiredService<ConsumerTurn>() : null;
            endpoint.ConfigureReceive(receive =>
            {
                if (turn is not null)
                {
                    receive.UseExecute(turn.Saw);
                }
                receive.UseFilter(new DeliveryOrderFilter(context.GetRequiredService<DeliveryOrder>()));
            });
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
                // What other features do about a dead-lettered message (Membership asks identity for a snapshot).
                foreach (var deadLettered in context.GetServices<IFilter<ExceptionReceiveContext>>())
                {
                    error.UseFilter(deadLettered);
                }
                error.UseFilter(new MassTransit.Middleware.GenerateFaultFilter());
                error.UseFilter(new MassTransit.Middleware.ErrorTransportFilter());
            });
            // Every consumer the bus registered, so none can end up on an endpoint of its own.
            endpoint.ConfigureConsumers(context);
        });
    }
}
