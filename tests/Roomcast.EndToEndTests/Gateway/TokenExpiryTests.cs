using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Identity;
using Roomcast.EndToEndTests.Infrastructure;
using Roomcast.EndToEndTests.SignalR;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>identity issues access tokens that live <see cref="Lifetime"/>, the shortest it allows.</summary>
public sealed class ShortTokenStack : RoomcastStack
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    protected override Dictionary<string, string> IdentitySettings => new(base.IdentitySettings)
    {
        ["Identity__AccessTokenLifetime"] = Lifetime.ToString("c"),
    };
}

/// <summary>A connection lives no longer than the access token it proved itself with.</summary>
public sealed class TokenExpiryTests(ShortTokenStack stack) : IClassFixture<ShortTokenStack>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AConnectionIsClosedWithTokenExpiredWhenItsTokenExpiresAndTheExpiredTokenCannotConnectAgain()
    {
        var issued = Stopwatch.StartNew();
        var token = (await IdentityApi.StartSessionAsync(stack, stack.World.UsernameOf(stack.World.Carol))).AccessToken;
        await using var hub = TestHubConnections.Build(stack.HubUrl, token);
        var live = new LiveConnection(hub, new EventInbox(hub, "carol with a short token", () => stack.Logs));
        await hub.StartAsync();
        await Should.ThrowAsync<HubException>(() => hub.InvokeAsync<object>("ROOMS_SET_PROBE"));

        var error = await live.ClosedAsync(Patience, stack);

        error.ShouldContain(CloseReasons.TokenExpired, Case.Sensitive, "closed for another reason");
        issued.Elapsed.ShouldBeGreaterThan(ShortTokenStack.Lifetime - TimeSpan.FromSeconds(1), "closed before the token expired");

        // The token validator tolerates some clock skew; the gateway does not keep an expired token's connection.
        await using var again = TestHubConnections.Build(stack.HubUrl, token);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        again.Closed += exception =>
        {
            closed.TrySetResult(exception);
            return Task.CompletedTask;
        };
        await again.StartAsync();
        var refusal = await closed.Task.WaitAsync(Patience);
        refusal.ShouldNotBeNull("the expired token's connection was closed without a reason").Message.ShouldContain(CloseReasons.TokenExpired, Case.Sensitive);
    }
}
