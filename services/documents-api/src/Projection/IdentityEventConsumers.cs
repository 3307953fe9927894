using MassTransit;
using Roomcast.Contracts.Events.Identity;

namespace Roomcast.DocumentsApi.Projection;

/// <summary>Keeps the local projection of identity's users, groups and memberships; every handler is replay-safe.</summary>
public sealed class IdentityEventConsumers(MembershipProjectionStore projection) :
    IConsumer<UserRegistered>,
    IConsumer<UserChanged>,
    IConsumer<UserRoleChanged>,
    IConsumer<StudentGroupCreated>,
    IConsumer<StudentGroupChanged>,
    IConsumer<StudentGroupDeleted>,
    IConsumer<GroupMembershipChanged>
{
    public Task Consume(ConsumeContext<UserRegistered> context) =>
        projection.UpsertUserAsync(context.Message.UserId, context.Message.Username, context.Message.IsAdmin, context.Message.Version, context.CancellationToken);

    public Task Consume(ConsumeContext<UserChanged> context) =>
        projection.UpsertUserAsync(context.Message.UserId, context.Message.Username, context.Message.IsAdmin, context.Message.Version, context.CancellationToken);

    public Task Consume(ConsumeContext<UserRoleChanged> context) =>
        projection.UpsertUserAsync(context.Message.UserId, context.Message.Username, context.Message.IsAdmin, context.Message.Version, context.CancellationToken);

    public Task Consume(ConsumeContext<StudentGroupCreated> context) =>
        projection.UpsertGroupAsync(context.Message.GroupId, context.Message.Name, context.Message.Version, context.CancellationToken);

    public Task Consume(ConsumeContext<StudentGroupChanged> context) =>
        projection.UpsertGroupAsync(context.Message.GroupId, context.Message.Name, context.Message.Version, context.CancellationToken);

    public Task Consume(ConsumeContext<StudentGroupDeleted> context) =>
        projection.DeleteGroupAsync(context.Message.GroupId, context.CancellationToken);

    public Task Consume(ConsumeContext<GroupMembershipChanged> context) =>
        projection.ApplyMembershipAsync(context.Message.GroupId, context.Message.UserId, context.Message.Change == MembershipChange.Added,
            context.Message.MembershipVersion, context.CancellationToken);
}
