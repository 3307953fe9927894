using System.Net;
using System.Net.Sockets;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// The per-client limit on the endpoints that take a secret (login, refresh, logout): 5 attempts a
/// minute from one address. One test only: every request of this class comes from the same address
/// and counts against the same window.
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
