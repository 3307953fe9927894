namespace Roomcast.Contracts.Client;

/// <summary>
/// The payload of <see cref="ClientEvents.Presence"/>: <paramref name="UserId"/> came <see cref="Online"/>
/// (their first live connection on any gateway instance) or went <see cref="Offline"/> (their last one
/// closed, or its instance stopped answering). Sent only on such a transition, to the connections that
/// share a room of the configured kinds with the user.
/// </summary>
public sealed record PresenceMessage(Guid UserId, string Status)
{
    public const string Online = "online";
    public const string Offline = "offline";
}
