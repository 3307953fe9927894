using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.Identity.MembershipSnapshots;

/// <summary>A copy of the memberships asks for a snapshot; requests only mark one as wanted, so this never fails.</summary>
public sealed class MembershipSnapshotRequestedConsumer(MembershipSnapshots snapshots) : IConsumer<MembershipSnapshotRequested>
{
    public Task Consume(ConsumeContext<MembershipSnapshotRequested> context)
    {
        snapshots.Request(context.Message);
        return Task.CompletedTask;
    }
}
