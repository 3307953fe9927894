namespace Roomcast.RealtimeGateway.Accounts;

/// <summary>
/// The account projection of a gateway running alone (no <c>Redis__Endpoint</c>): it lives and dies with
/// the process, like the instance's own queue, so a restarted instance knows no account until identity's
/// next event about it (the token's role stands in meanwhile).
/// </summary>
public sealed class InMemoryAccountProjection : IAccountProjection
{
    private readonly Dictionary<Guid, AccountState> _accounts = [];
    private readonly Lock _gate = new();

    public ValueTask<AccountState> StateOfAsync(Guid userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_accounts.GetValueOrDefault(userId));
        }
    }

    public Task<AccountState> ApplyRoleAsync(Guid userId, bool isAdmin, long version, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        lock (_gate)
        {
            var state = _accounts.GetValueOrDefault(userId);
            if (version > state.RoleVersion)
            {
                state = _accounts[userId] = state with { IsAdmin = isAdmin, RoleVersion = version };
            }

            return Task.FromResult(state);
        }
    }

    public Task<AccountState> EndSessionsAsync(Guid userId, long sessionEpoch, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionEpoch, 1);
        lock (_gate)
        {
            var state = _accounts.GetValueOrDefault(userId);
            if (sessionEpoch > state.SessionEpoch)
            {
                state = _accounts[userId] = state with { SessionEpoch = sessionEpoch };
            }

            return Task.FromResult(state);
        }
    }
}
