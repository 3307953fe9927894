using System.Net;
using System.Net.Sockets;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// The per-client limit on the endpoints that take a secret (login, refresh, logout, password
/// change): 5 attempts a minute from one client address, the one a trusted proxy (127.0.0.1)
/// forwards. Each test speaks for client addresses of its own (127.0.0.1 and 127.0.0.2; 127.0.0.3;
/// fresh forwarded ones), so their windows do not meet.
/// </summary>
public sealed class LoginRateLimitTests(RateLimitedIdentityStack stack) : IClassFixture<RateLimitedIdentityStack>
{
    [Fact]
    public async Task TheSixthAttemptWithinAMinuteIsToldToWaitWhileOtherClientsAndSignedInCallsCarryOn()
    {
        using var client = ServiceClient.Identity(stack, "client at 127.0.0.1");
        var first = Session.From((await client.LoginAsync("alice", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK));
        for (var attempt = 2; attempt <= RateLimitedIdentityStack.LoginRateLimit; attempt++)
        {
            (await client.LoginAsync(IdentityApi.FreshName("nobody"), DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        var sixth = await client.LoginAsync("alice", DemoWorld.Password);

        sixth.ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
        sixth.RetryAfter.ShouldNotBeNull(sixth.Describe());
        int.TryParse(sixth.RetryAfter, out var seconds).ShouldBeTrue($"Retry-After must be a number of seconds: {sixth.Describe()}");
        seconds.ShouldBeInRange(1, (int)RateLimitedIdentityStack.LoginRateWindow.TotalSeconds, sixth.Describe());

        // The limit guards every endpoint that takes a secret, not only login.
        (await client.RefreshAsync(first.RefreshToken)).ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
        (await client.LogoutAsync(first.RefreshToken)).ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");

        // What the limit does not touch: a signed-in caller's other requests, and another client's login.
        using var signedIn = ServiceClient.Identity(stack, "alice at 127.0.0.1", first.AccessToken);
        (await signedIn.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(stack.World.Alice);
        using var elsewhere = ServiceClient.Identity(stack, "client at 127.0.0.2", handler: From(IPAddress.Parse("127.0.0.2")));
        var other = Session.From((await elsewhere.LoginAsync("bob", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK));
        Jwt.Payload(other.AccessToken).Str("sub").ShouldBe(stack.World.Bob.ToString());

        // The first client stays refused for the rest of its window.
        (await client.LoginAsync("alice", DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
    }

    [Fact]
    public async Task BehindATrustedProxyEachForwardedClientHasALimitOfItsOwn()
    {
        using var first = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
        using var second = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
        for (var attempt = 1; attempt <= RateLimitedIdentityStack.LoginRateLimit; attempt++)
        {
            (await first.LoginAsync(IdentityApi.FreshName("nobody"), DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        (await first.LoginAsync("bob", DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");

        var other = Session.From((await second.LoginAsync("bob", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK, "another forwarded client has attempts of its own"));
        Jwt.Payload(other.AccessToken).Str("sub").ShouldBe(stack.World.Bob.ToString());
    }

    [Fact]
    public async Task APasswordChangeIsUnderTheLimitOfItsClient()
    {
        var address = ForwardedClient.FreshAddress();
        using var anonymous = ForwardedClient.Identity(stack, address);
        var session = Session.From((await anonymous.LoginAsync("carol", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK));
        using var carol = ForwardedClient.Identity(stack, address, session.AccessToken);

        // Refused values change nothing, and still count: the limit guards the endpoint, not its outcome.
        for (var attempt = 2; attempt <= RateLimitedIdentityStack.LoginRateLimit; attempt++)
        {
            (await carol.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword = "short" })).ShouldBeInvalid("newPassword");
        }

        var limited = await carol.PutAsync(IdentityApi.MyPassword, new { currentPassword = "a-guess-at-it", newPassword = "long-enough-password" });

        limited.ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
        limited.RetryAfter.ShouldNotBeNull(limited.Describe());
        (await carol.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK, "the limit guards the endpoints that take a secret only");
    }

    [Fact]
    public async Task FromAnAddressThatIsNotATrustedProxyAForwardedForHeaderDoesNotEscapeTheLimit()
    {
        // Only 127.0.0.1 is trusted: whatever another address claims to forward for, its own address counts.
        const string source = "127.0.0.3";
        for (var attempt = 1; attempt <= RateLimitedIdentityStack.LoginRateLimit; attempt++)
        {
            using var spoofing = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress(), sourceAddress: source);
            (await spoofing.LoginAsync(IdentityApi.FreshName("nobody"), DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        using var next = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress(), sourceAddress: source);
        (await next.LoginAsync("alice", DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.TooManyRequests, "too-many-requests");
    }

    /// <summary>An HTTP handler whose connections leave from <paramref name="address"/> (any 127.x.y.z reaches the loopback listener).</summary>
    private static SocketsHttpHandler From(IPAddress address) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(address, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
