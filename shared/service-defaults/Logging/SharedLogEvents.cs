namespace Roomcast.ServiceDefaults.Logging;

/// <summary>
/// The log event ids of the shared libraries every service loads (service defaults, PostgreSQL, outbox),
/// one table so none shares an id with another or with a service's own: they keep to 9000–9999, which
/// no service's table uses.
/// </summary>
public static class SharedLogEvents
{
    // Service defaults: 9000–9099.
    public const int BadRequestRefused = 9001;
    public const int SigningKeysFetchFailed = 9002;

    // PostgreSQL: 9100–9199.
    public const int MigrationApplied = 9101;
    public const int SchemaUpToDate = 9102;
    public const int ListenUnlistenFailed = 9103;

    // Outbox: 9200–9299.
    public const int OutboxPublished = 9201;
    public const int OutboxRelayFailed = 9202;
    public const int OutboxListenLost = 9203;
    public const int OutboxLockReleaseFailed = 9204;
    public const int OutboxFinalMarkFailed = 9206;
    public const int OutboxPruned = 9211;
    public const int OutboxPruneFailed = 9212;
    public const int OutboxBacklogProbeFailed = 9221;
}
