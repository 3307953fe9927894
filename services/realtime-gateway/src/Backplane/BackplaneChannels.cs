namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>Every Redis channel the backplane uses, named in this one place, all under <see cref="BackplaneOptions.ChannelPrefix"/>.</summary>
public sealed class BackplaneChannels(string prefix)
{
    /// <summary>Every connection of the hub, on every instance.</summary>
    public string All { get; } = $"{prefix}:all";

    /// <summary>
    /// Sends to connections of other instances, with their ids: every instance hears this one channel
    /// instead of one channel per connection, so a connection costs no subscription (such sends are rare).
    /// </summary>
    public string Connections { get; } = $"{prefix}:connections";

    /// <summary>Sends to users, with their ids: as <see cref="Connections"/>, one channel instead of one per user.</summary>
    public string Users { get; } = $"{prefix}:users";

    /// <summary>Group add / remove commands for a connection that lives on another instance.</summary>
    public string GroupCommands { get; } = $"{prefix}:internal:groups";

    /// <summary>Roomcast audiences: a list of rooms that each instance resolves against its own connections.</summary>
    public string Audience { get; } = $"{prefix}:audience";

    /// <summary>Group room moves of live connections (<c>GroupRoomMoves</c>); applied before the announcements that follow them.</summary>
    public string Membership { get; } = $"{prefix}:membership";

    /// <summary>Root access that may have gone (<c>RootAccessChanges</c>); applied before the announcements that follow them.</summary>
    public string RootAccess { get; } = $"{prefix}:internal:root-access";

    public string Prefix { get; } = prefix;

    public string Group(string groupName) => $"{Prefix}:group:{groupName}";

    /// <summary>Acknowledgements of group commands sent by <paramref name="serverName"/>.</summary>
    public string Ack(string serverName) => $"{Prefix}:internal:ack:{serverName}";
}
