using System.Net;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// Ending every session of a user (logout everywhere, a password change, a disabled account): their
/// access tokens are refused at once by identity and, once it has heard of the change, by
/// documents-api; their refresh tokens are refused; a disabled account cannot sign in. Each test works
/// on an account of its own.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class SessionEndTests(IdentityStack stack)
{
    private DemoWorld World => stack.World;

    private string NoticeRoot => $"/api/v1/roots/{World.NoticeRoot}";

    [Fact]
    public async Task LogoutEverywhereEndsEverySessionOfTheCallerInEveryService()
    {
        var (username, _) = await NewAccountAsync("everywhere");
        var laptop = await IdentityApi.StartSessionAsync(stack, username);
        var phone = await IdentityApi.StartSessionAsync(stack, username);
        using var laptopIdentity = ServiceClient.Identity(stack, username, laptop.AccessToken);
        using var laptopDocuments = ServiceClient.Documents(stack, username, laptop.AccessToken);
        using var phoneIdentity = ServiceClient.Identity(stack, username, phone.AccessToken);
        using var phoneDocuments = ServiceClient.Documents(stack, username, phone.AccessToken);
        (await phoneDocuments.GetAsync(NoticeRoot)).ShouldBe(HttpStatusCode.OK);

        (await laptopIdentity.PostAsync(IdentityApi.LogoutEverywhere, null)).ShouldBe(HttpStatusCode.NoContent);

        await ShouldBeEndedAsync(laptop, laptopIdentity, laptopDocuments);
        await ShouldBeEndedAsync(phone, phoneIdentity, phoneDocuments);
        await ShouldWorkEverywhereAsync(await IdentityApi.StartSessionAsync(stack, username), username);
    }

    [Fact]
    public async Task LogoutEverywhereNeedsASignedInUser()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.PostAsync(IdentityApi.LogoutEverywhere, null)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task APasswordChangeEndsEverySessionAndHandsTheCallerAFreshOne()
    {
        var (username, _) = await NewAccountAsync("rekey");
        var current = await IdentityApi.StartSessionAsync(stack, username);
        var elsewhere = await IdentityApi.StartSessionAsync(stack, username);
        using var currentIdentity = ServiceClient.Identity(stack, username, current.AccessToken);
        using var currentDocuments = ServiceClient.Documents(stack, username, current.AccessToken);
        using var elsewhereIdentity = ServiceClient.Identity(stack, username, elsewhere.AccessToken);
        using var elsewhereDocuments = ServiceClient.Documents(stack, username, elsewhere.AccessToken);

        var fresh = Session.From((await currentIdentity.PutAsync(IdentityApi.MyPassword, new { currentPassword = DemoWorld.Password, newPassword = "another-good-password" }))
            .ShouldBe(HttpStatusCode.OK, "a password change answers with the caller's fresh session"));

        await ShouldBeEndedAsync(current, currentIdentity, currentDocuments);
        await ShouldBeEndedAsync(elsewhere, elsewhereIdentity, elsewhereDocuments);
        await ShouldWorkEverywhereAsync(fresh, username);
    }

    [Fact]
    public async Task ADisabledAccountsSessionsEndAndItCannotSignInUntilEnabledAgain()
    {
        var (username, userId) = await NewAccountAsync("suspended");
        var session = await IdentityApi.StartSessionAsync(stack, username);
        using var userIdentity = ServiceClient.Identity(stack, username, session.AccessToken);
        using var userDocuments = ServiceClient.Documents(stack, username, session.AccessToken);
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        var disabled = (await admin.PutAsync(IdentityApi.DisabledOf(userId), new { disabled = true })).ShouldBe(HttpStatusCode.OK);

        disabled.GetProperty("disabled").GetBoolean().ShouldBeTrue();
        await ShouldBeEndedAsync(session, userIdentity, userDocuments);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var refused = (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var wrongPassword = (await anonymous.LoginAsync(username, "not-the-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        refused.Str("title").ShouldBe(wrongPassword.Str("title"), "a disabled account is told nothing a wrong password is not");
        refused.TryGetProperty("detail", out _).ShouldBe(wrongPassword.TryGetProperty("detail", out _));

        (await admin.PutAsync(IdentityApi.DisabledOf(userId), new { disabled = false })).ShouldBe(HttpStatusCode.OK).GetProperty("disabled").GetBoolean().ShouldBeFalse();
        await ShouldWorkEverywhereAsync(await IdentityApi.StartSessionAsync(stack, username), username);
    }

    [Fact]
    public async Task AnAdminCannotDisableThemselves()
    {
        var (username, userId) = await NewAccountAsync("selfish", isAdmin: true);
        using var admin = await IdentityApi.SignInAsync(stack, username);

        (await admin.PutAsync(IdentityApi.DisabledOf(userId), new { disabled = true })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");

        (await admin.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK, "the admin's session goes on");
    }

    [Fact]
    public async Task OnlyAdminsDisableAccounts()
    {
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);

        (await bob.PutAsync(IdentityApi.DisabledOf(World.Carol), new { disabled = true })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        using var carol = await IdentityApi.SignInAsync(stack, World.Carol);
        (await carol.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>The session's access token is refused by identity at once and by documents-api once it heard; its refresh token is refused.</summary>
    private async Task ShouldBeEndedAsync(Session session, ServiceClient identity, ServiceClient documents)
    {
        (await identity.GetAsync(IdentityApi.Me)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await Poll.UntilAsync(() => documents.GetAsync(NoticeRoot), answer => answer.Status != HttpStatusCode.OK,
            "documents-api refusing the access token of an ended session")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.RefreshAsync(session.RefreshToken)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    private async Task ShouldWorkEverywhereAsync(Session session, string username)
    {
        using var identity = ServiceClient.Identity(stack, username, session.AccessToken);
        using var documents = ServiceClient.Documents(stack, username, session.AccessToken);
        (await identity.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK, "a session started after the end works");
        (await documents.GetAsync(NoticeRoot)).ShouldBe(HttpStatusCode.OK, "a session started after the end works");
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.RefreshAsync(session.RefreshToken)).ShouldBe(HttpStatusCode.OK, "a session started after the end refreshes");
    }

    private async Task<(string Username, Guid Id)> NewAccountAsync(string prefix, bool isAdmin = false)
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName(prefix);
        return (username, await admin.RegisterAsync(username, isAdmin: isAdmin));
    }
}
