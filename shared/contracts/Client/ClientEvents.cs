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

}
