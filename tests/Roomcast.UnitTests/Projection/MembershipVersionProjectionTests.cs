using Dapper;
using Roomcast.DocumentsApi.Projection;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Projection;

/// <summary>
/// Which membership versions documents-api's projection counts as applied (the gateway's
/// <c>Roomcast-After-Membership</c> question): every version it recorded for the user, and every
/// version up to the newest snapshot of the group it applied — but never a version neither reached,
/// nor a snapshot's version while the projection still holds the user as a member.
/// </summary>
public sealed class MembershipVersionProjectionTests : IAsyncLifetime
{
    private readonly ProjectionDatabase _database = new();
    private readonly Guid _group = Guid.NewGuid();
    private readonly Guid _carol = Guid.NewGuid();
    private readonly Guid _dave = Guid.NewGuid();

    private MembershipProjectionStore Projection => _database.Projection;

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task ASnapshotsVersionIsAppliedForAUserItNeitherListsNorFoundAMember()
    {
        await Projection.UpsertGroupAsync(_group, "g", 1, default);
        await Projection.ApplyMembershipAsync(_group, _carol, isMember: true, version: 1, default);
        await Projection.ApplyMembershipAsync(_group, _carol, isMember: false, version: 2, default);
        await Projection.ApplyMembershipAsync(_group, _dave, isMember: true, version: 3, default);
        (await AppliedAsync(_carol, 3)).ShouldBeFalse("no change of carol's at version 3, and no snapshot yet");

        (await Projection.ReconcileGroupAsync(_group, "g", 1, deleted: false, membershipVersion: 3, [_dave], default)).Count.ShouldBe(0);

        (await AppliedAsync(_carol, 3)).ShouldBeTrue("the snapshot at version 3 reflects carol's removal");
        (await AppliedAsync(Guid.NewGuid(), 3)).ShouldBeTrue("a user the projection never heard of is no member as of version 3");
        (await AppliedAsync(_carol, 4)).ShouldBeFalse("nothing reached version 4: a departure there is not applied");
    }

    [Fact]
    public async Task AChangeAsOldAsTheNewestSnapshotChangesNothing()
    {
        await Projection.UpsertGroupAsync(_group, "g", 1, default);
        await Projection.ReconcileGroupAsync(_group, "g", 1, deleted: false, membershipVersion: 3, [_dave], default);

        // carol's addition at version 2 and removal at version 3 are both in the snapshot; the addition comes late.
        await Projection.ApplyMembershipAsync(_group, _carol, isMember: true, version: 2, default);

        (await IsMemberAsync(_carol)).ShouldBeFalse("a change the snapshot already reflects made carol a member again");
        (await AppliedAsync(_carol, 3)).ShouldBeTrue();
        await Projection.ApplyMembershipAsync(_group, _carol, isMember: true, version: 4, default);
        (await IsMemberAsync(_carol)).ShouldBeTrue("a change newer than the snapshot applies");
    }

    [Fact]
    public async Task AMemberTheProjectionStillHoldsAtAnOlderVersionIsNotAppliedBySnapshotVersionAlone()
    {
        await Projection.UpsertGroupAsync(_group, "g", 1, default);
        await Projection.ReconcileGroupAsync(_group, "g", 1, deleted: false, membershipVersion: 3, [_dave], default);
        // As if a change older than the snapshot had slipped in beside it.
        await using (var connection = await _database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO membership_versions VALUES (@group, @carol, 2, true); INSERT INTO group_members VALUES (@group, @carol)",
                new { group = _group, carol = _carol });
        }

        (await AppliedAsync(_carol, 3)).ShouldBeFalse("carol is still a member here: her departure is not applied");
    }

    private Task<bool> AppliedAsync(Guid user, long version) => Projection.HasAppliedAsync(user, [(_group, version)], default);

    private async Task<bool> IsMemberAsync(Guid user)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = @group AND user_id = @user)", new { group = _group, user });
    }
}
