using MassTransit;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.RealtimeGateway.Membership;

/// <summary>
/// Asks identity for a membership snapshot when the event queue becomes ready (at start, when a standby
/// instance's endpoint starts again, after the broker connection was lost: events published while no
/// queue was bound are lost) and, as a step of the event queue's error pipe, when one of identity's
/// group events is dead-lettered. identity coalesces the requests.
/// </summary>
public sealed partial class MembershipSnapshotRequests(
    IServiceProvider services,
    IOptions<GatewayOptions> gateway,
    TimeProvider clock,
    ILogger<MembershipSnapshotRequests> logger) : IReceiveEndpointObserver, IFilter<ExceptionReceiveContext>
{
    private static readonly Type[] MembershipEvents = [typeof(GroupMembershipChanged), typeof(StudentGroupDeleted), typeof(StudentGroupCreated), typeof(GroupMembershipSnapshot)];

    public Task Ready(ReceiveEndpointReady ready)
    {
        // The bus's own endpoint (for responses) carries no events.
        if (ready.InputAddress != services.GetRequiredService<IBus>().Address)
        {
            RequestInBackground(MembershipSnapshotReasons.QueueReady);
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        // A message whose type cannot be told (unreadable) may have been one of them.
        if (!context.TryGetPayload<ConsumeContext>(out var consumed) || MembershipEvents.Any(consumed.HasMessageType))
        {
            RequestInBackground(MembershipSnapshotReasons.Fault);
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("membershipSnapshotOnDeadLetter");

    /// <summary>Asks in the background: a failure is logged, and identity's schedule reconciles anyway.</summary>
    private void RequestInBackground(string reason) => _ = Task.Run(async () =>
    {
        try
        {
            var request = new MembershipSnapshotRequested(Guid.NewGuid(), clock.GetUtcNow(), $"realtime-gateway@{gateway.Value.InstanceId}", reason);
            // Resolved when needed: the bus is built with this observer, so it cannot be injected into it.
            await services.GetRequiredService<IBus>().Publish(request, context => context.MessageId = request.RequestId);
            LogRequested(reason, request.RequestId);
        }
        catch (Exception exception)
        {
            LogRequestFailed(exception, reason);
        }
    });

    [LoggerMessage(EventId = GatewayLogEvents.MembershipSnapshotRequested, Level = LogLevel.Information, Message = "Asked identity for a membership snapshot ({Reason}, request {RequestId})")]
    private partial void LogRequested(string reason, Guid requestId);

    [LoggerMessage(EventId = GatewayLogEvents.MembershipSnapshotRequestFailed, Level = LogLevel.Warning,
        Message = "Could not ask identity for a membership snapshot ({Reason}); its schedule reconciles the projection anyway")]
    private partial void LogRequestFailed(Exception exception, string reason);
}
