using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.DocumentsApi.Reconciliation;

/// <summary>
/// Asks identity for a membership snapshot: when the projection's queue becomes ready (at start, and
/// again after the broker connection was lost: events published while no queue was bound are lost),
/// when an identity event is dead-lettered, and when an admin asks. identity coalesces the requests.
/// </summary>
public sealed partial class MembershipSnapshotRequests(IServiceProvider services, TimeProvider clock, ILogger<MembershipSnapshotRequests> logger)
    : IReceiveEndpointObserver
{
    private static readonly string RequestedBy = $"documents-api@{Environment.MachineName}";

    public async Task<MembershipSnapshotRequested> RequestAsync(string reason, CancellationToken cancellationToken)
    {
        var request = new MembershipSnapshotRequested(Guid.NewGuid(), clock.GetUtcNow(), RequestedBy, reason);
        // Resolved when needed: the bus is built with this observer, so it cannot be injected into it.
        await services.GetRequiredService<IBus>().Publish(request, context => context.MessageId = request.RequestId, cancellationToken);
        LogRequested(reason, request.RequestId);
        return request;
    }

    /// <summary>Asks in the background: a failure is logged, and identity's schedule reconciles anyway.</summary>
    public void RequestInBackground(string reason) => _ = Task.Run(async () =>
    {
        try
        {
            await RequestAsync(reason, CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogRequestFailed(exception, reason);
        }
    });

    public Task Ready(ReceiveEndpointReady ready)
    {
        RequestInBackground(MembershipSnapshotReasons.QueueReady);
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    [LoggerMessage(EventId = DocumentsLogEvents.MembershipSnapshotRequested, Level = LogLevel.Information, Message = "Asked identity for a membership snapshot ({Reason}, request {RequestId})")]
    private partial void LogRequested(string reason, Guid requestId);

    [LoggerMessage(EventId = DocumentsLogEvents.MembershipSnapshotRequestFailed, Level = LogLevel.Warning, Message = "Could not ask identity for a membership snapshot ({Reason}); its schedule reconciles the projection anyway")]
    private partial void LogRequestFailed(Exception exception, string reason);
}
