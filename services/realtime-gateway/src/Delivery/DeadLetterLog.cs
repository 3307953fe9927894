using MassTransit;

namespace Roomcast.RealtimeGateway.Delivery;

/// <summary>
/// First step of the error pipe of the event queue: says, at error level, which message failed every
/// retry and where it goes (<c>&lt;queue&gt;_error</c>, where it waits for an operator), then hands it
/// on to MassTransit's fault and error-transport filters.
/// </summary>
internal sealed partial class DeadLetterLog(ILogger<DeadLetterLog> logger, string queue) : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        LogDeadLettered(context.GetMessageId()?.ToString() ?? "(none)", queue, $"{queue}_error", context.Exception.GetType().Name, context.Exception.Message);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("deadLetterLog");

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed after its retries ({ExceptionType}: {Reason}); moved to {ErrorQueue}")]
    private partial void LogDeadLettered(string messageId, string queue, string errorQueue, string exceptionType, string reason);
}
