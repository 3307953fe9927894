using System.Threading.RateLimiting;

namespace Roomcast.DocumentsApi.Http;

/// <summary>What a quota of <see cref="RequestLimits"/> answers: granted, or refused with the time until its window ends.</summary>
internal sealed class QuotaLease : RateLimitLease
{
    public static readonly QuotaLease Granted = new(true, null);

    private readonly TimeSpan? _retryAfter;

    private QuotaLease(bool acquired, TimeSpan? retryAfter)
    {
        IsAcquired = acquired;
        _retryAfter = retryAfter;
    }

    public static QuotaLease Refused(TimeSpan retryAfter) => new(false, retryAfter);

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => _retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = metadataName == MetadataName.RetryAfter.Name ? _retryAfter : null;
        return metadata is not null;
    }
}
