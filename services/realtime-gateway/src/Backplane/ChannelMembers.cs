using Microsoft.AspNetCore.SignalR;
using Roomcast.RealtimeGateway.Rooms;

namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// The local members of group channels: a channel is subscribed when its first local
/// member arrives and dropped when its last one leaves. Keyed by the channel name itself, so one string
/// per channel serves this map, the subscription and the publish, and one handler serves every channel.
/// </summary>
internal sealed class ChannelMembers(ChannelSubscriptions subscriptions, Action<string, ReadOnlyMemory<byte>> handler)
{
    private readonly KeyedSets<string, HubConnectionContext> _members = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The local members of <paramref name="channel"/>; empty when there are none.</summary>
    public IReadOnlyList<HubConnectionContext> Of(string channel) => _members.Of(channel);

    public async Task AddAsync(string channel, HubConnectionContext connection)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_members.Add(channel, connection, out var first) && first)
            {
                await subscriptions.SubscribeAsync(channel, handler).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAsync(string channel, HubConnectionContext connection)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_members.Remove(channel, connection, out var last) && last)
            {
                await subscriptions.UnsubscribeAsync(channel).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
