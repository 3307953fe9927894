using System.Runtime.ExceptionServices;
using MassTransit;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// First step of the error pipe of the shared event queue: a delivery that failed because Redis is away
/// from this instance (<see cref="RedisOutage"/>), or because this instance gave up its turn meanwhile,
/// is not the message's fault. This instance gives up its turn (<see cref="ConsumerTurn"/>) and the
/// delivery fails without being acknowledged, so it goes back to the queue with its channel instead of
/// to <c>&lt;queue&gt;_error</c>. Anything else goes on to the dead-letter steps.
/// </summary>
internal sealed class ConsumerTurnFilter(ConsumerTurn turn) : IFilter<ExceptionReceiveContext>
{
    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (!ConsumerTurn.IsNotTheMessagesFault(context.Exception))
        {
            await next.Send(context);
            return;
        }
        turn.GiveUp(context, context.Exception);
        ExceptionDispatchInfo.Throw(context.Exception);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("consumerTurn");
}
