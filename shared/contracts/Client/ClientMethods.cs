namespace Roomcast.Contracts.Client;

/// <summary>Client-to-server hub methods and the hub's path.</summary>
public static class ClientMethods
{
    public const string HubPath = "/hubs/notifications";

    /// <summary>The header a client sets on an HTTP change to name its own SignalR connection.</summary>
    public const string OriginConnectionHeader = "x-metadata-socketid";

    public const string JoinRoom = "JOIN_ROOM";
    public const string LeaveRoom = "LEAVE_ROOM";

    /// <summary><c>Resume(lastSeq, epoch)</c>: the position of the last event received (its <c>seq</c> and <c>epoch</c>), answered with a <see cref="ResumeResult"/>.</summary>
    public const string Resume = "Resume";
}
