using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.DocumentsApi.Reconciliation;

/// <summary>One group of identity's membership snapshot, on the projection's queue with identity's events.</summary>
public sealed class GroupMembershipSnapshotConsumer(MembershipReconciliation reconciliation) : IConsumer<GroupMembershipSnapshot>
{
    public Task Consume(ConsumeContext<GroupMembershipSnapshot> context) =>
        reconciliation.ApplyAsync(context.Message, context.CancellationToken);
}
