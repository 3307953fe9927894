using Roomcast.Contracts.Events.Identity;
using Roomcast.Identity.Events;

namespace Roomcast.Identity.Sessions;

/// <summary>What a signed-in user does to their own sessions.</summary>
public sealed class SessionCommands(IdentityChanges changes)
{
    /// <summary>Ends every session of the user, the caller's own included.</summary>
    public async Task LogoutEverywhereAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var change = await changes.BeginAsync(userId, cancellationToken);
        await SessionEnd.EndAllAsync(change, userId, SessionEndReasons.LogoutEverywhere, cancellationToken);
        await change.CommitAsync();
    }
}
