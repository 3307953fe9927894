namespace Roomcast.Contracts.Client;

/// <summary>
/// The payload of <see cref="ClientEvents.ConnectedClients"/>, sent to connections in <c>admin</c>: room →
/// live connection count across every gateway instance. <see cref="Full"/> lists every non-empty room
/// (sent when a connection enters <c>admin</c>); <see cref="Update"/> lists only the rooms whose count
/// changed since the last message, with 0 for a room that emptied.
/// </summary>
public sealed record ConnectedClientsMessage(string Type, IReadOnlyDictionary<string, int> Rooms)
{
    public const string Full = "full";
    public const string Update = "update";
}
