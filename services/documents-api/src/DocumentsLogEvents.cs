namespace Roomcast.DocumentsApi;

/// <summary>
/// documents-api's log event ids, one table so no two events share an id: a hundred per feature folder.
/// The shared libraries it loads keep to 9000–9999 (<see cref="Roomcast.ServiceDefaults.Logging.SharedLogEvents"/>).
/// </summary>
internal static class DocumentsLogEvents
{
    // Http (request limits): 100–199.
    public const int RequestRefusedOverloaded = 101;
    public const int RequestRefusedUserLimit = 102;

    // Demo: 200–299.
    public const int DemoSeedApplied = 201;

    // Projection: 300–399.
    public const int CallerChangesListening = 301;
    public const int CallerChangesListenLost = 302;

    // Reconciliation: 800–899.
    public const int MembershipDriftCorrected = 801;
    public const int MembershipDriftGroupDeleted = 802;
    public const int MembershipSnapshotRequested = 803;
    public const int MembershipSnapshotRequestFailed = 804;
}
