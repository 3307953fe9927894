using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Roomcast.ServiceDefaults.Auth;

namespace Roomcast.DocumentsApi.Http;

/// <summary>
/// Per user, the request-body bytes of their writes per fixed window (<see cref="DocumentsOptions.WriteBytesLimit"/>
/// per <see cref="DocumentsOptions.WriteRateWindow"/>, from the user's first write). A body with a
/// Content-Length is charged before it is read and refused when it does not fit what is left. A chunked
/// body (HttpClient's JSON content sends one) has no length to check: it is charged as it is read, so it
/// may take the window past the quota by at most one body, and the user's next write is refused.
/// </summary>
public sealed class WriteBytesQuota(int limit, TimeSpan window, TimeProvider clock) : PartitionedRateLimiter<HttpContext>
{
    private readonly ConcurrentDictionary<Guid, Window> _windows = new();
    private long _nextSweep;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (!RequestLimits.IsWrite(resource) || resource.User.UserId() is not { } user)
        {
            return QuotaLease.Granted;
        }

        var now = clock.GetUtcNow();
        Sweep(now);
        var current = _windows.GetOrAdd(user, _ => new Window());
        lock (current)
        {
            if (now >= current.Ends)
            {
                current.Ends = now + window;
                current.Used = 0;
            }

            var length = resource.Request.ContentLength;
            if (current.Used >= limit || current.Used + length > limit)
            {
                return QuotaLease.Refused(current.Ends - now);
            }

            if (length is { } known)
            {
                current.Used += Math.Max(1, known);
            }
            else
            {
                resource.Request.Body = new CountedBody(resource.Request.Body, current);
            }

            return QuotaLease.Granted;
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    /// <summary>Forgets the windows that ended, once a window: a user who stopped writing costs nothing.</summary>
    private void Sweep(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, (now + window).UtcTicks, due) != due)
        {
            return;
        }

        foreach (var (user, ended) in _windows)
        {
            lock (ended)
            {
                if (ended.Ends <= now)
                {
                    _windows.TryRemove(new KeyValuePair<Guid, Window>(user, ended));
                }
            }
        }
    }

    private sealed class Window
    {
        public DateTimeOffset Ends { get; set; }

        public long Used { get; set; }
    }

    /// <summary>A request body that charges its window for every byte read.</summary>
    private sealed class CountedBody(Stream inner, Window window) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Charge(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Charge(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Charge(int read)
        {
            lock (window)
            {
                window.Used += read;
            }

            return read;
        }
    }
}
