using Roomcast.Gateway.Tests.Infrastructure;
using Roomcast.RealtimeGateway.Accounts;
using Roomcast.RealtimeGateway.Backplane;
using StackExchange.Redis;
using Xunit;

namespace Roomcast.Gateway.Tests.Accounts;

/// <summary>
/// The rules of the gateway's account projection (roles by account version, session epochs that only
/// rise), written once and run against each implementation: in memory, and in the real Redis every
/// instance shares.
/// </summary>
public abstract class AccountProjectionSpecification : IAsyncLifetime
{
    private readonly Guid _user = Guid.NewGuid();
    private readonly Guid _otherUser = Guid.NewGuid();

    protected IAccountProjection Projection { get; private set; } = null!;

    public async Task InitializeAsync() => Projection = await CreateAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected abstract Task<IAccountProjection> CreateAsync();

    [Fact]
    public async Task AUserTheProjectionNeverHeardOfIsUnknown() =>
        (await Projection.StateOfAsync(_user, default)).ShouldBe(AccountState.Unknown);

    [Fact]
    public async Task ANewerRoleReplacesTheOlderOne()
    {
        (await Projection.ApplyRoleAsync(_user, isAdmin: true, 1, default)).ShouldBe(new AccountState(true, 1, 0));
        (await Projection.ApplyRoleAsync(_user, isAdmin: false, 2, default)).ShouldBe(new AccountState(false, 2, 0));
        (await Projection.StateOfAsync(_user, default)).ShouldBe(new AccountState(false, 2, 0));
    }

    [Fact]
    public async Task AReplayedOrLateOlderRoleChangesNothingAndAnswersTheCurrentState()
    {
        await Projection.ApplyRoleAsync(_user, isAdmin: true, 3, default);

        (await Projection.ApplyRoleAsync(_user, isAdmin: false, 2, default)).ShouldBe(new AccountState(true, 3, 0), "older");
        (await Projection.ApplyRoleAsync(_user, isAdmin: false, 3, default)).ShouldBe(new AccountState(true, 3, 0), "an equal version is a replay, not a change");
        (await Projection.StateOfAsync(_user, default)).IsAdmin.ShouldBe(true);
    }

    [Fact]
    public async Task TheSessionEpochOnlyRises()
    {
        (await Projection.EndSessionsAsync(_user, 2, default)).SessionEpoch.ShouldBe(2);
        (await Projection.EndSessionsAsync(_user, 1, default)).SessionEpoch.ShouldBe(2, "a replayed older end changes nothing");
        (await Projection.EndSessionsAsync(_user, 5, default)).SessionEpoch.ShouldBe(5);
        (await Projection.StateOfAsync(_user, default)).ShouldBe(new AccountState(null, 0, 5), "ending sessions says nothing of the role");
    }

    [Fact]
    public async Task RoleAndSessionsOfAUserAndOfEachUserAreKeptApart()
    {
        await Projection.EndSessionsAsync(_user, 4, default);
        await Projection.ApplyRoleAsync(_user, isAdmin: true, 7, default);
        await Projection.ApplyRoleAsync(_otherUser, isAdmin: false, 1, default);

        (await Projection.StateOfAsync(_user, default)).ShouldBe(new AccountState(true, 7, 4));
        (await Projection.StateOfAsync(_otherUser, default)).ShouldBe(new AccountState(false, 1, 0));
    }

    [Fact]
    public async Task AVersionOrEpochBelowOneIsRefused()
    {
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Projection.ApplyRoleAsync(_user, isAdmin: true, 0, default));
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Projection.EndSessionsAsync(_user, 0, default));
    }
}

public sealed class InMemoryAccountProjectionTests : AccountProjectionSpecification
{
    protected override Task<IAccountProjection> CreateAsync() => Task.FromResult<IAccountProjection>(new InMemoryAccountProjection());
}

/// <summary>The same rules in the real Redis, each test under a prefix of its own.</summary>
public sealed class RedisAccountProjectionTests : AccountProjectionSpecification
{
    private ConnectionMultiplexer? _redis;

    protected override async Task<IAccountProjection> CreateAsync()
    {
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = TestRedis.NewPrefix() };
        _redis = await TestRedis.ConnectAsync(options, "account-tests");
        return new RedisAccountProjection(_redis, options);
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
        var options = new BackplaneOptions { Endpoint = TestRedis.Endpoint, ChannelPrefix = TestRedis.NewPrefix() };
        await using var instanceA = await TestRedis.ConnectAsync(options, "instance-a");
        await using var instanceB = await TestRedis.ConnectAsync(options, "instance-b");
        var user = Guid.NewGuid();

        await new RedisAccountProjection(instanceA, options).ApplyRoleAsync(user, isAdmin: true, 1_000_000_000_000_000, default);

        (await new RedisAccountProjection(instanceB, options).StateOfAsync(user, default)).ShouldBe(new AccountState(true, 1_000_000_000_000_000, 0));
    }
}
