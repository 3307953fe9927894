using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// The lockout behind a trusted proxy (services/identity/README.md, "Client addresses and lockout"):
/// it applies to the client address the proxy forwards, so one client's guesses do not lock the
/// rightful user out from elsewhere, while an attack spread over many addresses still meets the
/// account's ceiling, and a wrong current password at a password change counts like a wrong login.
/// </summary>
[Collection(ForwardedClientsCollection.Name)]
public sealed class ForwardedClientTests(ForwardedClientsStack stack)
{
    private const string WrongPassword = "not-the-password";

    [Fact]
    public async Task WrongPasswordsFromOneAddressLockThatAddressOutWhileTheAccountStillSignsInFromAnother()
    {
        var username = await NewAccountAsync("target");
        using var attacker = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
        using var owner = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
        for (var attempt = 1; attempt <= ForwardedClientsStack.LockoutThreshold; attempt++)
        {
            (await attacker.LoginAsync(username, WrongPassword)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        (await attacker.LoginAsync(username, DemoWorld.Password))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await owner.LoginAsync(username, DemoWorld.Password))
            .ShouldBe(HttpStatusCode.OK, "guesses from one address must not lock the rightful user out from another");
    }

    [Fact]
    public async Task AnAttackSpreadOverManyAddressesLocksTheAccountForEveryAddressThatNeverSignedInToIt()
    {
        var username = await NewAccountAsync("spread");
        using var known = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
        (await known.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK);
        var attackers = new List<ServiceClient>();
        try
        {
            // Each address stays below the per-address threshold; together they reach the account's ceiling.
            var perAddress = ForwardedClientsStack.LockoutThreshold - 1;
            for (var failures = 0; failures < ForwardedClientsStack.AccountLockoutThreshold; failures += perAddress)
            {
                var attacker = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
                attackers.Add(attacker);
                for (var attempt = 0; attempt < perAddress; attempt++)
                {
                    (await attacker.LoginAsync(username, WrongPassword)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
                }
            }

            using var stranger = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
            (await stranger.LoginAsync(username, DemoWorld.Password))
                .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
            (await attackers[0].LoginAsync(username, DemoWorld.Password))
                .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
            (await known.LoginAsync(username, DemoWorld.Password))
                .ShouldBe(HttpStatusCode.OK, "an address the account signed in from before keeps signing in through an attack on the account");
        }
        finally
        {
            attackers.ForEach(attacker => attacker.Dispose());
        }
    }

    [Fact]
    public async Task WrongCurrentPasswordsCountTowardsTheLockoutAndALockedAddressIsRefusedAsIfItsPasswordWereWrong()
    {
        var username = await NewAccountAsync("pwguess");
        using var owner = ForwardedClient.Identity(stack, ForwardedClient.FreshAddress());
        var session = Session.From((await owner.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK));
        // A stolen access token used from another address to guess the password it needs to take the account over.
        var thiefAddress = ForwardedClient.FreshAddress();
        using var thief = ForwardedClient.Identity(stack, thiefAddress, session.AccessToken);
        var refusals = new List<Answer>();
        for (var attempt = 1; attempt <= ForwardedClientsStack.LockoutThreshold; attempt++)
        {
            refusals.Add(await thief.PutAsync(IdentityApi.MyPassword, new { currentPassword = $"{WrongPassword}-{attempt}", newPassword = "hijacked-password" }));
        }

        var locked = await thief.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword = "hijacked-password" });

        var wrong = refusals[^1].ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        var refused = locked.ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        Detail(refused).ShouldBe(Detail(wrong), $"a locked address is told what a wrong password is told: {locked.Describe()} / {refusals[^1].Describe()}");
        refused.PropertyNames().Order().ToList().ShouldBe(wrong.PropertyNames().Order().ToList(), locked.Describe());
        using var thiefSigningIn = ForwardedClient.Identity(stack, thiefAddress);
        (await thiefSigningIn.LoginAsync(username, DemoWorld.Password))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await owner.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK, "the password is unchanged and the owner's address is not locked");
    }

    private async Task<string> NewAccountAsync(string prefix)
    {
        using var admin = ServiceClient.Identity(stack, "alice", await stack.LoginAsync(stack.World.Alice));
        var username = IdentityApi.FreshName(prefix);
        await admin.RegisterAsync(username);
        return username;
    }

    private static string? Detail(JsonElement problem) => problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
}
