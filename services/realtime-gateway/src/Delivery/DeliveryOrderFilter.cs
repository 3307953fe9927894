using MassTransit;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// Tells <see cref="DeliveryOrder"/> when each delivery of the event endpoint starts and ends — whether a
/// consumer took it, it was skipped, or it ended in the error queue — so no delivery holds up the ones
/// behind it once it is over.
/// </summary>
public sealed class DeliveryOrderFilter(DeliveryOrder order) : IFilter<ReceiveContext>
{
    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        if (DeliveryOrder.LineOf(context) is not { } place)
        {
            await next.Send(context);
            return;
        }
        var (line, tag) = place;
        order.Seen(line, tag);
        try
        {
            await next.Send(context);
        }
        finally
        {
            order.Finished(line, tag);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("deliveryOrder");
}
