using MassTransit;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// First step of the error pipe of the event queue for a message that failed every retry: says, at
/// error level, which message it was and where it goes (<c>&lt;queue&gt;_error</c>, where it waits for an
/// operator), counts it (<see cref="DeliveryMetrics.DeadLettered"/>), then hands it on to MassTransit's
/// fault and error-transport filters.
/// </summary>
internal sealed partial class DeadLetterLog(ILogger<DeadLetterLog> logger, DeliveryMetrics metrics, string queue) : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        var exceptionType = context.Exception.GetType().Name;
        LogDeadLettered(context.GetMessageId()?.ToString() ?? "(none)", queue, $"{queue}_error", exceptionType, context.Exception.Message);
        metrics.DeadLettered(queue, exceptionType);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("deadLetterLog");

    [LoggerMessage(EventId = GatewayLogEvents.DeadLettered, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed after its retries ({ExceptionType}: {Reason}); moved to {ErrorQueue}")]
    private partial void LogDeadLettered(string messageId, string queue, string errorQueue, string exceptionType, string reason);
}
