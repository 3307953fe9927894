namespace Roomcast.Outbox;

/// <summary>The PostgreSQL NOTIFY channel a commit with new outbox rows signals on.</summary>
internal static class OutboxChannel
{
    public const string Name = "roomcast_outbox";
}
