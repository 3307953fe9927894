using System.Net;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// What a login's refresh token is good for: a refresh hands out a new one and uses up the old; a
/// used one presented again ends the whole login; logout ends it; a password change ends every
/// login of the account. Each test works on an account of its own.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class SessionTests(IdentityStack stack)
{
    private DemoWorld World => stack.World;

    [Fact]
    public async Task ARefreshHandsOutNewTokensAndUsesUpThePresentedRefreshToken()
    {
        var (username, userId) = await NewAccountAsync("refresher");
        var first = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var second = Session.From((await anonymous.RefreshAsync(first.RefreshToken)).ShouldBe(HttpStatusCode.OK));

        second.RefreshToken.ShouldNotBe(first.RefreshToken);
        second.AccessToken.ShouldNotBe(first.AccessToken);
        second.TokenType.ShouldBe("Bearer");
        second.ExpiresIn.ShouldBeGreaterThan(0);
        using var refreshed = ServiceClient.Identity(stack, username, second.AccessToken);
        (await refreshed.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(userId);

        (await anonymous.RefreshAsync(first.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task PresentingAUsedRefreshTokenAgainEndsTheWholeLogin()
    {
        var (username, _) = await NewAccountAsync("stolen");
        var first = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var second = Session.From((await anonymous.RefreshAsync(first.RefreshToken)).ShouldBe(HttpStatusCode.OK));
        var third = Session.From((await anonymous.RefreshAsync(second.RefreshToken)).ShouldBe(HttpStatusCode.OK));

        // A thief replays the first token: refused, and the legitimate holder's newest token dies with it.
        (await anonymous.RefreshAsync(first.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        (await anonymous.RefreshAsync(third.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task ReuseOfOneLoginsRefreshTokenLeavesTheUsersOtherLoginsAlone()
    {
        var (username, _) = await NewAccountAsync("twodevices");
        var laptop = await IdentityApi.StartSessionAsync(stack, username);
        var phone = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.RefreshAsync(laptop.RefreshToken)).ShouldBe(HttpStatusCode.OK);

        (await anonymous.RefreshAsync(laptop.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        (await anonymous.RefreshAsync(phone.RefreshToken)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ARefreshedAccessTokenCarriesTheSameUserAndIsAcceptedByDocumentsApi()
    {
        var first = await IdentityApi.StartSessionAsync(stack, "carol");
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var second = Session.From((await anonymous.RefreshAsync(first.RefreshToken)).ShouldBe(HttpStatusCode.OK));

        Jwt.Payload(second.AccessToken).Str("sub").ShouldBe(World.Carol.ToString());
        Jwt.Payload(second.AccessToken).Str("jti").ShouldNotBe(Jwt.Payload(first.AccessToken).Str("jti"));
        using var documents = ServiceClient.Documents(stack, "carol", second.AccessToken);
        (await documents.GetAsync($"/api/v1/roots/{World.PlanRoot}")).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(World.PlanRoot);
    }

    [Fact]
    public async Task AnUnknownRefreshTokenIsRefusedAsInvalidCredentials()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.RefreshAsync("not-a-refresh-token-we-ever-issued")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Theory]
    [InlineData("{}", "refreshToken")]
    [InlineData("""{"refreshToken":""}""", "refreshToken")]
    [InlineData("""{"refreshToken":7}""", "refreshToken")]
    [InlineData("""{"refreshToken":"x","extra":1}""", "extra")]
    public async Task ARefreshWithoutAUsableTokenFieldIsAnInvalidValue(string body, string field)
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.SendRawAsync(HttpMethod.Post, IdentityApi.Refresh, body)).ShouldBeInvalid(field);
    }

    [Fact]
    public async Task LogoutEndsTheLoginSoItsRefreshTokenIsRefused()
    {
        var (username, _) = await NewAccountAsync("leaver");
        var session = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.LogoutAsync(session.RefreshToken)).ShouldBe(HttpStatusCode.NoContent);

        (await anonymous.RefreshAsync(session.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task LogoutWithTheNewestRefreshTokenEndsTheLoginAfterRefreshes()
    {
        var (username, _) = await NewAccountAsync("leaver2");
        var first = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var second = Session.From((await anonymous.RefreshAsync(first.RefreshToken)).ShouldBe(HttpStatusCode.OK));

        (await anonymous.LogoutAsync(second.RefreshToken)).ShouldBe(HttpStatusCode.NoContent);

        (await anonymous.RefreshAsync(second.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task LogoutEndsOnlyThatLogin()
    {
        var (username, _) = await NewAccountAsync("oneoftwo");
        var laptop = await IdentityApi.StartSessionAsync(stack, username);
        var phone = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.LogoutAsync(laptop.RefreshToken)).ShouldBe(HttpStatusCode.NoContent);

        (await anonymous.RefreshAsync(phone.RefreshToken)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task LoggingOutTwiceOrWithAnUnknownTokenIsNotAnError()
    {
        var (username, _) = await NewAccountAsync("twice");
        var session = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.LogoutAsync(session.RefreshToken)).ShouldBe(HttpStatusCode.NoContent);
        (await anonymous.LogoutAsync(session.RefreshToken)).ShouldBe(HttpStatusCode.NoContent);
        (await anonymous.LogoutAsync("never-issued")).ShouldBe(HttpStatusCode.NoContent);
        (await anonymous.SendRawAsync(HttpMethod.Post, IdentityApi.Logout, "{}")).ShouldBeInvalid("refreshToken");
    }

    [Fact]
    public async Task AChangedPasswordReplacesTheOldOneAndEndsEveryLoginOfTheAccount()
    {
        var (username, userId) = await NewAccountAsync("changer");
        var current = await IdentityApi.StartSessionAsync(stack, username);
        var elsewhere = await IdentityApi.StartSessionAsync(stack, username);
        using var user = ServiceClient.Identity(stack, username, current.AccessToken);
        const string newPassword = "a-brand-new-password";

        (await user.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword })).ShouldBe(HttpStatusCode.OK);

        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var withNew = Session.From((await anonymous.LoginAsync(username, newPassword)).ShouldBe(HttpStatusCode.OK));
        Jwt.Payload(withNew.AccessToken).Str("sub").ShouldBe(userId.ToString());
        (await anonymous.RefreshAsync(current.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.RefreshAsync(elsewhere.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.RefreshAsync(withNew.RefreshToken)).ShouldBe(HttpStatusCode.OK, "a login made after the change must keep working");
    }

    [Fact]
    public async Task APasswordChangeWithTheWrongCurrentPasswordIsRefusedAndChangesNothing()
    {
        var (username, _) = await NewAccountAsync("guesser");
        var session = await IdentityApi.StartSessionAsync(stack, username);
        using var user = ServiceClient.Identity(stack, username, session.AccessToken);

        (await user.PutAsync(IdentityApi.MyPassword, new { currentPassword = "not-the-password", newPassword = "hijacked-password" }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.LoginAsync(username, "hijacked-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK);
        (await anonymous.RefreshAsync(session.RefreshToken)).ShouldBe(HttpStatusCode.OK, "a refused change must not end the login");
    }

    [Fact]
    public async Task OfTwoPasswordChangesAtOnceFromTheSamePasswordOnlyOneWins()
    {
        var (username, _) = await NewAccountAsync("racer");
        var first = await IdentityApi.StartSessionAsync(stack, username);
        var second = await IdentityApi.StartSessionAsync(stack, username);
        using var one = ServiceClient.Identity(stack, username, first.AccessToken);
        using var other = ServiceClient.Identity(stack, username, second.AccessToken);
        string[] newPasswords = ["the-first-new-password", "the-second-new-password"];

        // Both check the same current password before either writes: the one that writes second must see
        // that the password it checked is gone, or it would overwrite the winner's password.
        var answers = await Task.WhenAll(
            one.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword = newPasswords[0] }),
            other.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword = newPasswords[1] }));

        var winners = Enumerable.Range(0, 2).Where(index => answers[index].Status == HttpStatusCode.OK).ToList();
        winners.Count.ShouldBe(1, string.Join(", ", answers.Select(answer => answer.Status)));
        // The loser is refused as a wrong password, or, if it came after the winner's commit, as a request
        // from a login the change ended.
        answers[1 - winners[0]].Status.ShouldBeOneOf(HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.LoginAsync(username, newPasswords[1 - winners[0]])).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.LoginAsync(username, newPasswords[winners[0]])).ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"currentPassword":"e2e-password","newPassword":"short"}""", "newPassword")]
    [InlineData("""{"currentPassword":"e2e-password"}""", "newPassword")]
    [InlineData("""{"newPassword":"long-enough-password"}""", "currentPassword")]
    [InlineData("""{"currentPassword":"e2e-password","newPassword":"long-enough-password","confirm":"x"}""", "confirm")]
    public async Task APasswordChangeWithBadValuesIsRefusedAndChangesNothing(string body, string field)
    {
        var (username, _) = await NewAccountAsync("badchange");
        using var user = await IdentityApi.SignInAsync(stack, username);

        (await user.SendRawAsync(HttpMethod.Put, IdentityApi.MyPassword, body)).ShouldBeInvalid(field);

        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task APasswordChangeNeedsASignedInUser()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword = "long-enough-password" }))
            .ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    private async Task<(string Username, Guid Id)> NewAccountAsync(string prefix)
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName(prefix);
        return (username, await admin.RegisterAsync(username));
    }
}
