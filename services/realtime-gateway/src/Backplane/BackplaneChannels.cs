namespace Roomcast.RealtimeGateway.Backplane;

/// <summary>
/// Every Redis channel the backplane uses, and the keys of root access, named in this one place, all under
/// <see cref="BackplaneOptions.ChannelPrefix"/>.
/// </summary>
public sealed class BackplaneChannels(string prefix)
{
    /// <summary>Roomcast audiences: a list of rooms that each instance resolves against its own connections.</summary>
    public string Audience { get; } = $"{prefix}:audience";

    /// <summary>Group room moves of live connections (<c>GroupRoomMoves</c>); applied before the announcements that follow them.</summary>
    public string Membership { get; } = $"{prefix}:membership";

    /// <summary>Root access that may have gone (<c>RootAccessChanges</c>); applied before the announcements that follow them.</summary>
    public string RootAccess { get; } = $"{prefix}:internal:root-access";

    /// <summary>Each instance's room counts and presence (<c>PresenceCoordinator</c>, framed by <c>CensusFraming</c>).</summary>
    public string Census { get; } = $"{prefix}:internal:census";

    /// <summary>Role changes and ended sessions of users (<c>AccountChanges</c>); applied before the announcements that follow them.</summary>
    public string Accounts { get; } = $"{prefix}:internal:accounts";

    /// <summary>Admins' replays to one connection or user (<c>ConnectionReplays</c>): each instance sends to the target's connections it holds.</summary>
    public string Replays { get; } = $"{prefix}:internal:replays";

    /// <summary>The answers to the replays one instance published, from every instance that heard them.</summary>
    public string ReplayAnswers(string instance) => $"{Prefix}:internal:replay-answers:{instance}";

    public string Prefix { get; } = prefix;

    /// <summary>Key: a user's group departures documents-api has not confirmed yet (<c>RedisMembershipDepartures</c>), a hash group → version.</summary>
    public string MembershipDepartures(Guid userId) => $"{Prefix}:access:departures:{userId:D}";

    /// <summary>
    /// A channel of SignalR's Redis backplane (<c>{hub type}:all</c>, <c>:connection:{id}</c>,
    /// <c>:group:{name}</c>, <c>:user:{id}</c>, <c>:internal:…</c>) under this deployment's prefix:
    /// SignalR names them after the hub type alone (<see cref="SignalRChannels"/>).
    /// </summary>
    public string SignalR(string channel) => $"{Prefix}:{channel}";
}
