using System.ComponentModel.DataAnnotations;

namespace Roomcast.DocumentsApi;

/// <summary>Section <c>Documents</c>.</summary>
public sealed class DocumentsOptions
{
    public const string Section = "Documents";

    /// <summary>Requests with a larger body are refused with 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>API requests served at once; more wait in the queue below.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRequests { get; set; } = 32;

    /// <summary>API requests that may wait for a turn; beyond them the service answers 503 at once instead of letting every request queue for seconds.</summary>
    [Range(0, 100_000)]
    public int RequestQueueLimit { get; set; } = 64;
}
