using System.Security.Claims;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Roomcast.DocumentsApi.Http;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Limits;

/// <summary>documents-api's per-user quota of request-body bytes: 100 bytes an hour in these tests.</summary>
public sealed class WriteBytesQuotaTests
{
    private readonly WriteBytesQuota _quota = new(limit: 100, TimeSpan.FromHours(1), TimeProvider.System);
    private readonly Guid _user = Guid.NewGuid();

    [Fact]
    public void ABodyWithALengthIsChargedBeforeItIsReadAndRefusedWhenItDoesNotFit()
    {
        _quota.AttemptAcquire(Write(_user, length: 60)).IsAcquired.ShouldBeTrue();

        var refused = _quota.AttemptAcquire(Write(_user, length: 60));

        refused.IsAcquired.ShouldBeFalse("60 + 60 is over 100");
        refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).ShouldBeTrue();
        retryAfter.ShouldBeInRange(TimeSpan.FromMinutes(59), TimeSpan.FromHours(1), "the rest of the window");
        _quota.AttemptAcquire(Write(_user, length: 40)).IsAcquired.ShouldBeTrue("60 + 40 fits");
        _quota.AttemptAcquire(Write(Guid.NewGuid(), length: 100)).IsAcquired.ShouldBeTrue("another user's bytes are their own");
    }

    [Fact]
    public async Task AChunkedBodyIsChargedAsItIsReadAndTheNextWriteIsRefused()
    {
        var chunked = Write(_user, length: null, body: new string('x', 150));
        _quota.AttemptAcquire(chunked).IsAcquired.ShouldBeTrue("nothing is known of it, and nothing is spent yet");

        (await new StreamReader(chunked.Request.Body).ReadToEndAsync()).Length.ShouldBe(150);

        _quota.AttemptAcquire(Write(_user, length: 1)).IsAcquired.ShouldBeFalse("the 150 bytes read took the window past its 100");
    }

    [Fact]
    public void ReadsAndAnonymousRequestsAreNotCounted()
    {
        var read = Write(_user, length: 1000);
        read.Request.Method = HttpMethods.Get;

        _quota.AttemptAcquire(read).IsAcquired.ShouldBeTrue();
        _quota.AttemptAcquire(new DefaultHttpContext { Request = { Method = HttpMethods.Put, ContentLength = 1000 } }).IsAcquired.ShouldBeTrue();
        _quota.AttemptAcquire(Write(_user, length: 100)).IsAcquired.ShouldBeTrue("nothing was spent");
    }

    private static HttpContext Write(Guid user, long? length, string body = "")
    {
        var context = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", user.ToString())], "test")) };
        context.Request.Method = HttpMethods.Put;
        context.Request.ContentLength = length;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return context;
    }
}
