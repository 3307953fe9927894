using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.DocumentsApi.Reconciliation;

/// <summary>
/// First step of the projection queue's error pipe: an identity event that failed every retry leaves the
/// projection behind identity, so a snapshot is asked for before the message moves to the error queue.
/// </summary>
internal sealed class SnapshotOnDeadLetter(MembershipSnapshotRequests requests) : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        requests.RequestInBackground(MembershipSnapshotReasons.Fault);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("snapshotOnDeadLetter");
}
