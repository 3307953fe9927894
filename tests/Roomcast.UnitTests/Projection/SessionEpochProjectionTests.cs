using Roomcast.DocumentsApi.Projection;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Projection;

/// <summary>
/// documents-api's projection of identity's session epochs, on its real schema (<see cref="ProjectionDatabase"/>).
/// </summary>
public sealed class SessionEpochProjectionTests : IAsyncLifetime
{
    private readonly ProjectionDatabase _database = new();

    private MembershipProjectionStore Projection => _database.Projection;

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task AReplayedOlderSessionEndDoesNotLowerTheEpoch()
    {
        var user = Guid.NewGuid();
        await Projection.RaiseSessionEpochAsync(user, 1, default);
        await Projection.RaiseSessionEpochAsync(user, 3, default);

        await Projection.RaiseSessionEpochAsync(user, 2, default);
        await Projection.RaiseSessionEpochAsync(user, 1, default);

        (await Projection.FindCallerAsync(user, default)).SessionEpoch.ShouldBe(3);
    }

    [Fact]
    public async Task AnEpochHeardBeforeTheUserLeavesTheUserUnknownAndTheUsersRecordLeavesTheEpoch()
    {
        var user = Guid.NewGuid();
        await Projection.RaiseSessionEpochAsync(user, 2, default);

        (await Projection.FindCallerAsync(user, default)).ShouldBe(new ProjectedCaller(IsAdmin: null, SessionEpoch: 2));

        await Projection.UpsertUserAsync(user, "late", isAdmin: true, version: 1, default);
        (await Projection.FindCallerAsync(user, default)).ShouldBe(new ProjectedCaller(IsAdmin: true, SessionEpoch: 2));
    }

    [Fact]
    public async Task AUserWhoseSessionsNeverEndedIsAtEpochZeroWithTheRoleIdentityLastGave()
    {
        var user = Guid.NewGuid();
        await Projection.UpsertUserAsync(user, "demoted", isAdmin: true, version: 1, default);
        await Projection.UpsertUserAsync(user, "demoted", isAdmin: false, version: 2, default);
        await Projection.UpsertUserAsync(user, "demoted", isAdmin: true, version: 1, default);

        (await Projection.FindCallerAsync(user, default)).ShouldBe(new ProjectedCaller(IsAdmin: false, SessionEpoch: 0));
        (await Projection.FindCallerAsync(Guid.NewGuid(), default)).ShouldBe(new ProjectedCaller(IsAdmin: null, SessionEpoch: 0));
    }
}
