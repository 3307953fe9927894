using System.Threading.RateLimiting;

namespace Roomcast.DocumentsApi.Http;

/// <summary>
/// One of <see cref="RequestLimits"/>: forwards to the limiter it wraps and names itself on a refusal
/// (<see cref="Refusal"/>), so the answer can say which limit was met. A quota (writes or bytes per
/// window) is spent once per request: the rate-limiting middleware first tries every limit without
/// waiting and, when one of them cannot grant at once, asks them all again and waits; a quota already
/// spent on the first try is not spent again. Request slots are given back when the request ends, so
/// they are simply asked again.
/// </summary>
public sealed class NamedLimit : PartitionedRateLimiter<HttpContext>
{
    /// <summary>The lease metadata naming the limit that refused a request.</summary>
    public static readonly MetadataName<string> Refusal = MetadataName.Create<string>("roomcast.refused-by");

    private readonly string _name;
    private readonly PartitionedRateLimiter<HttpContext> _inner;
    private readonly bool _quota;

    private NamedLimit(string name, PartitionedRateLimiter<HttpContext> inner, bool quota)
    {
        _name = name;
        _inner = inner;
        _quota = quota;
    }

    /// <summary>A quota, spent once per request.</summary>
    public static NamedLimit Quota(string name, PartitionedRateLimiter<HttpContext> inner) => new(name, inner, quota: true);

    /// <summary>Slots a request holds while it runs.</summary>
    public static NamedLimit Slots(string name, PartitionedRateLimiter<HttpContext> inner) => new(name, inner, quota: false);

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => _inner.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        Spent(resource) ? QuotaLease.Granted : Named(resource, _inner.AttemptAcquire(resource, permitCount));

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        Spent(resource) ? QuotaLease.Granted : Named(resource, await _inner.AcquireAsync(resource, permitCount, cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
    }

    private bool Spent(HttpContext request) => _quota && request.Items.ContainsKey(this);

    private RateLimitLease Named(HttpContext request, RateLimitLease lease)
    {
        if (!lease.IsAcquired)
        {
            return new Refused(lease, _name);
        }

        if (_quota)
        {
            request.Items[this] = true;
        }

        return lease;
    }

    /// <summary>A refusal, with the refusing limit's own metadata (e.g. Retry-After) and its name.</summary>
    private sealed class Refused(RateLimitLease inner, string limit) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => inner.MetadataNames.Append(Refusal.Name);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == Refusal.Name)
            {
                metadata = limit;
                return true;
            }

            return inner.TryGetMetadata(metadataName, out metadata);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
        }
    }
}
