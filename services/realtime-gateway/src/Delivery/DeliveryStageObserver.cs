using System.Reflection;
using MassTransit;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Times the stages before and around a consumer (<see cref="DeliveryStage.Outbox"/>,
/// <see cref="DeliveryStage.Broker"/>, <see cref="DeliveryStage.Queued"/>, <see cref="DeliveryStage.Consume"/>)
/// from the message's send time, its <c>OccurredAt</c> and the receive's elapsed time; the stages
/// inside a delivery are timed by <see cref="AudienceDelivery"/>.
/// </summary>
public sealed class DeliveryStageObserver(DeliveryTimings timings, TimeProvider time) : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        var queued = context.ReceiveContext.ElapsedTime;
        var receivedAt = time.GetUtcNow() - queued;
        if (context.SentTime is { } sent)
        {
            var sentAt = new DateTimeOffset(DateTime.SpecifyKind(sent, DateTimeKind.Utc));
            timings.Record(DeliveryStage.Broker, (receivedAt - sentAt).TotalMilliseconds);
            if (OccurredAt<T>.Of(context.Message) is { } occurredAt)
            {
                timings.Record(DeliveryStage.Outbox, (sentAt - occurredAt).TotalMilliseconds);
            }
        }
        timings.Record(DeliveryStage.Queued, queued.TotalMilliseconds);
        context.GetOrAddPayload(() => new ConsumeStart(queued));
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        if (context.TryGetPayload<ConsumeStart>(out var start))
        {
            timings.Record(DeliveryStage.Consume, (context.ReceiveContext.ElapsedTime - start.ReceivedFor).TotalMilliseconds);
        }
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;

    private sealed record ConsumeStart(TimeSpan ReceivedFor);

    /// <summary>Reads an event's <c>OccurredAt</c> (every Roomcast integration event has one), looked up once per type.</summary>
    private static class OccurredAt<T>
    {
        private static readonly PropertyInfo? Property = typeof(T).GetProperty("OccurredAt", typeof(DateTimeOffset));

        public static DateTimeOffset? Of(T message) => Property?.GetValue(message) as DateTimeOffset?;
    }
}
