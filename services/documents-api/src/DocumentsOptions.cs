using System.ComponentModel.DataAnnotations;

namespace Roomcast.DocumentsApi;

/// <summary>Section <c>Documents</c>.</summary>
public sealed class DocumentsOptions : IValidatableObject
{
    public const string Section = "Documents";

    /// <summary>Requests with a larger body are refused with 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>API requests served at once, all users together; more wait in the queue below.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRequests { get; set; } = 32;

    /// <summary>API requests that may wait for a turn; beyond them the service answers 503 at once instead of letting every request queue for seconds.</summary>
    [Range(0, 100_000)]
    public int RequestQueueLimit { get; set; } = 64;

    /// <summary>API requests of one user served at once; more of theirs wait in their own queue below, so one caller cannot take every slot of the service.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRequestsPerUser { get; set; } = 8;

    /// <summary>API requests of one user that may wait for one of their slots; beyond them that user gets 429.</summary>
    [Range(0, 100_000)]
    public int UserRequestQueueLimit { get; set; } = 32;

    /// <summary>Writes (POST, PUT, PATCH, DELETE) one user may make per <see cref="WriteRateWindow"/>; beyond them 429 until the window ends.</summary>
    [Range(1, int.MaxValue)]
    public int WriteRateLimit { get; set; } = 1200;

    /// <summary>Request-body bytes one user may send with writes per <see cref="WriteRateWindow"/>; beyond them 429 until the window ends.</summary>
    [Range(1024, int.MaxValue)]
    public int WriteBytesLimit { get; set; } = 32 * 1024 * 1024;

    /// <summary>The fixed window of <see cref="WriteRateLimit"/> and <see cref="WriteBytesLimit"/>, starting at a user's first write.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan WriteRateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long the session check may answer from what it remembers of a caller (their session epoch and
    /// role) instead of asking the projection; every change of those is heard at its commit and forgets
    /// it at once (<c>Projection/RememberedCallers</c>), so this only bounds the damage of a notification
    /// lost in a way no probe saw. Zero asks the projection on every request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CallerCacheMaxAge { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxConcurrentRequestsPerUser > MaxConcurrentRequests)
        {
            yield return new ValidationResult(
                $"{nameof(MaxConcurrentRequestsPerUser)} ({MaxConcurrentRequestsPerUser}) cannot exceed {nameof(MaxConcurrentRequests)} ({MaxConcurrentRequests}).",
                [nameof(MaxConcurrentRequestsPerUser)]);
        }

        if (WriteBytesLimit < MaxRequestBodyBytes)
        {
            yield return new ValidationResult(
                $"{nameof(WriteBytesLimit)} ({WriteBytesLimit}) must allow at least one body of {nameof(MaxRequestBodyBytes)} ({MaxRequestBodyBytes}) per window.",
                [nameof(WriteBytesLimit)]);
        }
    }
}
