namespace Roomcast.Contracts.Client;

/// <summary>
/// Server-to-client event names, kept from the Socket.IO system Roomcast replaces so front ends port over.
/// </summary>
public static class ClientEvents
{
    public const string NewRecord = "NEW_RECORD";
    public const string ChangedRecord = "CHANGED_RECORD";
    public const string DeletedRecord = "DELETED_RECORD";
    public const string ChangedDocument = "CHANGED_DOCUMENT";
    public const string ConnectedClients = "CONNECTED_CLIENTS";
    public const string Presence = "PRESENCE";

    /// <summary>
    /// The field an admin's replay adds, <c>true</c>, to an event's payload: a copy of an event sent again
    /// to one connection for debugging, outside the numbering. Its <c>seq</c> and <c>epoch</c> are the
    /// event's own (as the history gave them); a client must never take them as its resume position,
    /// dedupe or order by them.
    /// </summary>
    public const string ReplayField = "replay";
}
