using System.Net;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// A role change counts at once, whatever token the user holds: identity judges admin actions by the
/// account as it is now, and documents-api by its projection of identity once it has heard.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class RoleChangeTests(IdentityStack stack)
{
    private DemoWorld World => stack.World;

    [Fact]
    public async Task ADemotedAdminsOldTokenIsRefusedAdminActionsAndNoLongerReadsWhatOnlyAdminsRead()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("deputy");
        var deputyId = await alice.RegisterAsync(username, isAdmin: true);
        var session = await IdentityApi.StartSessionAsync(stack, username);
        using var deputy = ServiceClient.Identity(stack, username, session.AccessToken);
        using var deputyDocuments = ServiceClient.Documents(stack, username, session.AccessToken);
        var plan = $"/api/v1/roots/{World.PlanRoot}";
        (await deputy.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
        (await deputyDocuments.GetAsync(plan)).ShouldBe(HttpStatusCode.OK, "an admin reads a root they hold no grant on");

        (await alice.PutAsync(IdentityApi.AdminOf(deputyId), new { isAdmin = false })).ShouldBe(HttpStatusCode.OK);

        (await deputy.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await deputy.PostAsync(IdentityApi.Groups, new { name = "deputy's group" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await Poll.UntilAsync(() => deputyDocuments.GetAsync(plan), answer => answer.Status != HttpStatusCode.OK,
            "documents-api refusing the demoted admin a root only admins could read")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await deputy.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task APromotedUsersOldTokenMayActAsAdminAtIdentityAtOnce()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("newadmin");
        var userId = await alice.RegisterAsync(username);
        using var user = await IdentityApi.SignInAsync(stack, username);
        (await user.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await alice.PutAsync(IdentityApi.AdminOf(userId), new { isAdmin = true })).ShouldBe(HttpStatusCode.OK);

        (await user.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
    }
}
