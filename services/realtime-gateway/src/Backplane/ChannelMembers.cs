using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// The local members of groups (or users): the channel of a key is subscribed when its first local
/// member arrives and dropped when its last one leaves.
/// </summary>
internal sealed class ChannelMembers(
    ChannelSubscriptions subscriptions,
    Func<string, string> channelOf,
    Func<string, Action<string, ReadOnlyMemory<byte>>> handlerOf)
{
    private readonly ConcurrentDictionary<string, HubConnectionStore> _members = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The local members of <paramref name="key"/>; empty when there are none.</summary>
    public IReadOnlyList<HubConnectionContext> Of(string key)
    {
        if (!_members.TryGetValue(key, out var members))
        {
            return [];
        }
        var snapshot = new List<HubConnectionContext>(members.Count);
        foreach (var member in members)
        {
            snapshot.Add(member);
        }
        return snapshot;
    }

    public async Task AddAsync(string key, HubConnectionContext connection)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var members = _members.GetOrAdd(key, _ => new HubConnectionStore());
            var first = members.Count == 0;
            members.Add(connection);
            if (first)
            {
                await subscriptions.SubscribeAsync(channelOf(key), handlerOf(key)).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAsync(string key, string connectionId)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_members.TryGetValue(key, out var members) || members[connectionId] is not { } connection)
            {
                return;
            }
            members.Remove(connection);
            if (members.Count == 0)
            {
                _members.TryRemove(key, out _);
                await subscriptions.UnsubscribeAsync(channelOf(key)).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
