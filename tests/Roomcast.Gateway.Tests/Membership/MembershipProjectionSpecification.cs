using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Backplane;
using Roomcast.RealtimeGateway.Membership;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Membership;

/// <summary>
/// The version rules of the gateway's membership projection (the same as documents-api's), written once
/// and run against each implementation: in memory, and in the real Redis every instance shares.
/// </summary>
public abstract class MembershipProjectionSpecification : IAsyncLifetime
{
    private readonly Guid _group = Guid.NewGuid();
    private readonly Guid _otherGroup = Guid.NewGuid();
    private readonly Guid _user = Guid.NewGuid();
    private readonly Guid _otherUser = Guid.NewGuid();

    protected IMembershipProjection Projection { get; private set; } = null!;

    public async Task InitializeAsync() => Projection = await CreateAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected abstract Task<IMembershipProjection> CreateAsync();

    [Fact]
    public async Task AUserTheProjectionNeverHeardOfHasNoGroups() =>
        (await GroupsOfAsync(_user)).ShouldBeEmpty();

    [Fact]
    public async Task AnAddedMemberHasTheGroupAndARemovedOneLosesIt()
    {
        (await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default)).ShouldBeTrue();
        (await GroupsOfAsync(_user)).ShouldBe([_group]);

        (await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 2, default)).ShouldBeFalse();
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AReplayedAdditionOlderThanTheRemovalTombstoneIsIgnored()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 2, default);

        (await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default)).ShouldBeFalse("the answer is the current state: not a member");
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AnOlderRemovalArrivingLateLeavesTheNewerAdditionStanding()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 3, default);

        (await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 2, default)).ShouldBeTrue();
        (await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 3, default)).ShouldBeTrue("an equal version is a replay, not a change");
        (await GroupsOfAsync(_user)).ShouldBe([_group]);
    }

    [Fact]
    public async Task ANewerAdditionAfterARemovalMakesTheUserAMemberAgain()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 2, default);

        (await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 3, default)).ShouldBeTrue();
        (await GroupsOfAsync(_user)).ShouldBe([_group]);
    }

    [Fact]
    public async Task EachGroupOfAUserFollowsItsOwnVersions()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 5, default);
        await Projection.ApplyMembershipAsync(_otherGroup, _user, isMember: true, 1, default);
        await Projection.ApplyMembershipAsync(_otherGroup, _user, isMember: false, 2, default);
        await Projection.ApplyMembershipAsync(_group, _otherUser, isMember: true, 6, default);

        (await GroupsOfAsync(_user)).ShouldBe([_group]);
        (await GroupsOfAsync(_otherUser)).ShouldBe([_group]);
    }

    [Fact]
    public async Task ADeletedGroupLosesItsMembersAndNamesThemAgainWhenTheDeletionIsReplayed()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        await Projection.ApplyMembershipAsync(_group, _otherUser, isMember: true, 2, default);
        await Projection.ApplyMembershipAsync(_otherGroup, _user, isMember: true, 1, default);

        (await Projection.DeleteGroupAsync(_group, default)).ShouldBe([_user, _otherUser], ignoreOrder: true);
        (await GroupsOfAsync(_user)).ShouldBe([_otherGroup]);
        (await GroupsOfAsync(_otherUser)).ShouldBeEmpty();

        (await Projection.DeleteGroupAsync(_group, default)).ShouldBe([_user, _otherUser], ignoreOrder: true);
    }

    [Fact]
    public async Task NoAdditionRevivesADeletedGroupHoweverNewItsVersion()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        await Projection.DeleteGroupAsync(_group, default);

        (await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default)).ShouldBeFalse();
        (await Projection.ApplyMembershipAsync(_group, _otherUser, isMember: true, 9, default)).ShouldBeFalse();
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
        (await GroupsOfAsync(_otherUser)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AUserIsNotBackfilledUntilIdentitysAnswerIsMergedInEvenAnEmptyOne()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        (await Projection.BackfilledGroupsOfAsync(_user, default)).ShouldBeNull("an event about a user says nothing of their older groups");

        (await Projection.BackfillAsync(_otherUser, [], default)).ShouldBeEmpty();
        (await Projection.BackfilledGroupsOfAsync(_otherUser, default)).ShouldNotBeNull().ShouldBeEmpty();
    }

    [Fact]
    public async Task ABackfilledMembershipCountsUntilAnyEventAboutItOverridesIt()
    {
        (await Projection.BackfillAsync(_user, [_group, _otherGroup], default)).ShouldBe([_group, _otherGroup], ignoreOrder: true);
        (await Projection.BackfilledGroupsOfAsync(_user, default)).ShouldNotBeNull().ShouldBe([_group, _otherGroup], ignoreOrder: true);

        (await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 1, default)).ShouldBeFalse();
        (await GroupsOfAsync(_user)).ShouldBe([_otherGroup]);
    }

    [Fact]
    public async Task IdentitysAnswerNeverOverridesWhatAnEventWrote()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 2, default);

        (await Projection.BackfillAsync(_user, [_group], default)).ShouldBeEmpty("the removal at version 2 stands");
    }

    [Fact]
    public async Task IdentitysAnswerDoesNotReviveADeletedGroupAndABackfilledMemberLeavesWithTheGroup()
    {
        await Projection.DeleteGroupAsync(_otherGroup, default);
        (await Projection.BackfillAsync(_user, [_group, _otherGroup], default)).ShouldBe([_group]);

        (await Projection.DeleteGroupAsync(_group, default)).ShouldBe([_user]);
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AVersionBelowOneIsRefused() =>
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Projection.ApplyMembershipAsync(_group, _user, isMember: true, 0, default));

    [Fact]
    public async Task ASnapshotRemovesAMemberWhoseRemovalWasMissedAndAddsOneWhoseAdditionWas()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);

        var changed = await Projection.ReconcileGroupAsync(_group, deleted: false, 3, [_otherUser], default);

        changed.Left.ShouldBe([_user]);
        changed.Joined.ShouldBe([_otherUser]);
        changed.GroupDeleted.ShouldBeFalse();
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
        (await GroupsOfAsync(_otherUser)).ShouldBe([_group]);
        (await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 2, default)).ShouldBeFalse("the missed addition at 2 is older than the snapshot");
    }

    [Fact]
    public async Task ASnapshotOlderThanAnAppliedChangeOrReplayedChangesNothing()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);
        await Projection.ApplyMembershipAsync(_group, _user, isMember: false, 2, default);
        await Projection.ApplyMembershipAsync(_group, _otherUser, isMember: true, 3, default);

        (await Projection.ReconcileGroupAsync(_group, deleted: false, 1, [_user], default)).Count.ShouldBe(0);
        (await Projection.ReconcileGroupAsync(_group, deleted: false, 3, [_otherUser], default)).Count.ShouldBe(0);
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
        (await GroupsOfAsync(_otherUser)).ShouldBe([_group]);
    }

    [Fact]
    public async Task ASnapshotOfADeletedGroupDeletesItOnceAndNamesItsMembers()
    {
        await Projection.ApplyMembershipAsync(_group, _user, isMember: true, 1, default);

        var changed = await Projection.ReconcileGroupAsync(_group, deleted: true, 1, [], default);

        changed.GroupDeleted.ShouldBeTrue();
        changed.Left.ShouldBe([_user]);
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
        (await Projection.ReconcileGroupAsync(_group, deleted: true, 1, [], default)).Count.ShouldBe(0);
        (await Projection.ReconcileGroupAsync(_group, deleted: false, 5, [_user], default)).Count.ShouldBe(0, "nothing revives a deleted group");
    }

    [Fact]
    public async Task ASnapshotOverridesABackfilledMembership()
    {
        await Projection.BackfillAsync(_user, [_group], default);

        (await Projection.ReconcileGroupAsync(_group, deleted: false, 4, [], default)).Left.ShouldBe([_user]);
        (await GroupsOfAsync(_user)).ShouldBeEmpty();
    }

    private async Task<IReadOnlyCollection<Guid>> GroupsOfAsync(Guid user) => await Projection.GroupsOfAsync(user, default);
}

public sealed class InMemoryMembershipProjectionTests : MembershipProjectionSpecification
{
    protected override Task<IMembershipProjection> CreateAsync() => Task.FromResult<IMembershipProjection>(new InMemoryMembershipProjection());
}

/// <summary>The same rules in the real Redis, each test class under a prefix of its own.</summary>
public sealed class RedisMembershipProjectionTests : MembershipProjectionSpecification
{
    private ConnectionMultiplexer? _redis;

    protected override async Task<IMembershipProjection> CreateAsync()
    {
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = TestRedis.NewPrefix() };
        _redis = await TestRedis.ConnectAsync(options, "membership-tests");
        return new RedisMembershipProjection(_redis, options);
    }

    public override async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnotherInstanceReadingTheSamePrefixGetsTheSameAnswer()
    {
        var prefix = TestRedis.NewPrefix();
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = prefix };
        await using var instanceA = await TestRedis.ConnectAsync(options, "instance-a");
        await using var instanceB = await TestRedis.ConnectAsync(options, "instance-b");
        var writer = new RedisMembershipProjection(instanceA, options);
        var reader = new RedisMembershipProjection(instanceB, options);
        var group = Guid.NewGuid();
        var user = Guid.NewGuid();

        await writer.ApplyMembershipAsync(group, user, isMember: true, 1, default);

        (await reader.GroupsOfAsync(user, default)).ShouldBe([group]);
    }
}
