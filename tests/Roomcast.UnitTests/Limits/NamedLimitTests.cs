using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Roomcast.DocumentsApi.Http;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Limits;

/// <summary>
/// documents-api's request limits as the rate-limiting middleware drives them: it tries every limit
/// without waiting and, when one cannot grant at once, asks them all again for the same request.
/// </summary>
public sealed class NamedLimitTests
{
    [Fact]
    public async Task AQuotaIsSpentOncePerRequestThoughTheMiddlewareAsksTwice()
    {
        using var writes = NamedLimit.Quota("write-requests", Window(permits: 2));
        var request = new DefaultHttpContext();

        writes.AttemptAcquire(request).IsAcquired.ShouldBeTrue();
        (await writes.AcquireAsync(request)).IsAcquired.ShouldBeTrue("the same request, asked again");
        writes.AttemptAcquire(new DefaultHttpContext()).IsAcquired.ShouldBeTrue("the second request takes the second permit");

        var refused = writes.AttemptAcquire(new DefaultHttpContext());
        refused.IsAcquired.ShouldBeFalse("two permits, two requests");
        refused.TryGetMetadata(NamedLimit.Refusal, out var limit).ShouldBeTrue();
        limit.ShouldBe("write-requests");
        refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).ShouldBeTrue("the window's own metadata is kept");
        retryAfter.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public void ASlotIsHeldUntilItsLeaseEndsAndAskedAgainEveryTime()
    {
        using var slots = NamedLimit.Slots("user-requests", PartitionedRateLimiter.Create<HttpContext, int>(_ =>
            RateLimitPartition.GetConcurrencyLimiter(0, _ => new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 0 })));
        var request = new DefaultHttpContext();

        slots.AttemptAcquire(request).Dispose();
        using var held = slots.AttemptAcquire(request);
        held.IsAcquired.ShouldBeTrue("a slot given back is free again");
        var refused = slots.AttemptAcquire(new DefaultHttpContext());
        refused.IsAcquired.ShouldBeFalse("the one slot is held");
        refused.TryGetMetadata(NamedLimit.Refusal, out var limit).ShouldBeTrue();
        limit.ShouldBe("user-requests");
        slots.AttemptAcquire(request).IsAcquired.ShouldBeFalse("a slot is not a quota: asking again for the same request needs another");
    }

    private static PartitionedRateLimiter<HttpContext> Window(int permits) =>
        PartitionedRateLimiter.Create<HttpContext, int>(_ => RateLimitPartition.GetFixedWindowLimiter(0, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromHours(1), QueueLimit = 0 }));
}
