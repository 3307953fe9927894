using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// Student groups as admins manage them in identity, and what their members may read in
/// documents-api as a consequence: identity's events reach documents-api's projection through the
/// real broker, so a membership added or removed in identity gives or takes access within seconds.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class GroupTests(IdentityStack stack)
{
    private DemoWorld World => stack.World;

    [Fact]
    public async Task AnAdminCreatesRenamesListsAndDeletesAGroup()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var name = IdentityApi.FreshName("Chess club");

        var created = await admin.CreateGroupAsync(name);
        created.Str("name").ShouldBe(name);
        created.GetProperty("version").GetInt64().ShouldBe(1);
        created.Members().ShouldBeEmpty();
        var id = created.Id();
        (await admin.GetAsync(IdentityApi.Group(id))).ShouldBe(HttpStatusCode.OK).Str("name").ShouldBe(name);
        (await admin.GetAsync(IdentityApi.Groups)).ShouldBe(HttpStatusCode.OK).Ids().ShouldContain(id);

        var renamed = (await admin.PatchAsync(IdentityApi.Group(id), new { name = "  Chess and go club  " })).ShouldBe(HttpStatusCode.OK);
        renamed.Str("name").ShouldBe("Chess and go club");
        renamed.GetProperty("version").GetInt64().ShouldBe(2);
        (await admin.GetAsync(IdentityApi.Group(id))).ShouldBe(HttpStatusCode.OK).Str("name").ShouldBe("Chess and go club");

        (await admin.DeleteAsync(IdentityApi.Group(id))).ShouldBe(HttpStatusCode.NoContent);
        (await admin.GetAsync(IdentityApi.Group(id))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.GetAsync(IdentityApi.Groups)).ShouldBe(HttpStatusCode.OK).Ids().ShouldNotContain(id);
    }

    [Fact]
    public async Task AddingAMemberTwiceKeepsOneMembershipAndRemovingItTwiceIsNotFound()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("Choir"))).Id();

        var added = (await admin.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        added.GetProperty("groupId").GetGuid().ShouldBe(group);
        added.GetProperty("userId").GetGuid().ShouldBe(World.Carol);
        added.GetProperty("isMember").GetBoolean().ShouldBeTrue();
        var again = (await admin.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.OK);
        again.GetProperty("isMember").GetBoolean().ShouldBeTrue();
        again.GetProperty("membershipVersion").GetInt64().ShouldBe(added.GetProperty("membershipVersion").GetInt64());
        (await admin.GetAsync(IdentityApi.Group(group))).ShouldBe(HttpStatusCode.OK).Members().ShouldBe(new[] { World.Carol });

        (await admin.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent);
        (await admin.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.GetAsync(IdentityApi.Group(group))).ShouldBe(HttpStatusCode.OK).Members().ShouldBeEmpty();
    }

    [Fact]
    public async Task AUserSeesTheGroupsTheyBelongToAndAnAdminSeesAnyonesGroups()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var mine = (await admin.CreateGroupAsync(IdentityApi.FreshName("Drama"))).Id();
        var notMine = (await admin.CreateGroupAsync(IdentityApi.FreshName("Robotics"))).Id();
        (await admin.PutAsync(IdentityApi.Member(mine, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        (await admin.PutAsync(IdentityApi.Member(notMine, World.Bob), null)).ShouldBe(HttpStatusCode.Created);
        using var carol = await IdentityApi.SignInAsync(stack, World.Carol);

        var own = (await carol.GetAsync(IdentityApi.MyGroups)).ShouldBe(HttpStatusCode.OK);
        own.Ids().ShouldContain(mine);
        own.Ids().ShouldNotContain(notMine);
        own.Items().Single(group => group.Id() == mine).Members().ShouldContain(World.Carol);

        var hers = (await admin.GetAsync(IdentityApi.GroupsOf(World.Carol))).ShouldBe(HttpStatusCode.OK);
        hers.Ids().ShouldBe(own.Ids(), ignoreOrder: true);
        (await carol.GetAsync(IdentityApi.GroupsOf(World.Bob))).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task TheSeededStudyGroupIsKnownToIdentityWithDaveAsItsMember()
    {
        // The demo seed (the file both identity and documents-api read) puts dave in the study group,
        // and documents-api authorises by that membership; the group's owner must know it too.
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        using var dave = await IdentityApi.SignInAsync(stack, World.Dave);

        var answer = await admin.GetAsync(IdentityApi.Group(World.StudyGroup));

        answer.ShouldBe(HttpStatusCode.OK).Members().ShouldContain(World.Dave);
        (await dave.GetAsync(IdentityApi.MyGroups)).ShouldBe(HttpStatusCode.OK).Ids().ShouldContain(World.StudyGroup);
    }

    [Fact]
    public async Task OnlyAdminsManageGroups()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("Debate"))).Id();
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        foreach (var (caller, status, kind) in new[] { (bob, HttpStatusCode.Forbidden, "forbidden"), (anonymous, HttpStatusCode.Unauthorized, "unauthenticated") })
        {
            (await caller.PostAsync(IdentityApi.Groups, new { name = "Sneaky" })).ShouldBeProblem(status, kind);
            (await caller.GetAsync(IdentityApi.Groups)).ShouldBeProblem(status, kind);
            (await caller.GetAsync(IdentityApi.Group(group))).ShouldBeProblem(status, kind);
            (await caller.PatchAsync(IdentityApi.Group(group), new { name = "Renamed" })).ShouldBeProblem(status, kind);
            (await caller.PutAsync(IdentityApi.Member(group, World.Bob), null)).ShouldBeProblem(status, kind);
            (await caller.DeleteAsync(IdentityApi.Member(group, World.Bob))).ShouldBeProblem(status, kind);
            (await caller.DeleteAsync(IdentityApi.Group(group))).ShouldBeProblem(status, kind);
            (await caller.GetAsync(IdentityApi.GroupsOf(World.Carol))).ShouldBeProblem(status, kind);
        }

        (await anonymous.GetAsync(IdentityApi.MyGroups)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        var unchanged = (await admin.GetAsync(IdentityApi.Group(group))).ShouldBe(HttpStatusCode.OK);
        unchanged.Str("name").ShouldStartWith("Debate");
        unchanged.Members().ShouldBeEmpty();
        (await admin.GetAsync(IdentityApi.Groups)).ShouldBe(HttpStatusCode.OK).Items().Select(item => item.Str("name")).ShouldNotContain("Sneaky");
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"   "}""", "name")]
    [InlineData("{}", "name")]
    [InlineData("""{"name":12}""", "name")]
    [InlineData("""{"name":"Ok","colour":"red"}""", "colour")]
    public async Task AGroupWithABadNameIsRefused(string body, string field)
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var existing = (await admin.CreateGroupAsync(IdentityApi.FreshName("Existing"))).Id();

        (await admin.SendRawAsync(HttpMethod.Post, IdentityApi.Groups, body)).ShouldBeInvalid(field);
        (await admin.SendRawAsync(HttpMethod.Patch, IdentityApi.Group(existing), body)).ShouldBeInvalid(field);

        (await admin.GetAsync(IdentityApi.Group(existing))).ShouldBe(HttpStatusCode.OK).Str("name").ShouldStartWith("Existing");
    }

    [Fact]
    public async Task AGroupNameOfMoreThan200CharactersIsRefused()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        (await admin.PostAsync(IdentityApi.Groups, new { name = new string('g', 201) })).ShouldBeInvalid("name");
        (await admin.PostAsync(IdentityApi.Groups, new { name = new string('g', 200) })).ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task AGroupBodyThatIsNotJsonIsRefusedWithItsOwnProblemType()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        (await admin.SendRawAsync(HttpMethod.Post, IdentityApi.Groups, "{\"name\":")).ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-request");
        (await admin.SendRawAsync(HttpMethod.Post, IdentityApi.Groups, "name=x", "text/plain")).ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task UnknownGroupsUsersAndMalformedIdsAreRefused()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("Known"))).Id();
        var nowhere = Guid.NewGuid();

        (await admin.GetAsync(IdentityApi.Group(nowhere))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.PatchAsync(IdentityApi.Group(nowhere), new { name = "Ghost" })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.DeleteAsync(IdentityApi.Group(nowhere))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.PutAsync(IdentityApi.Member(nowhere, World.Carol), null)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.PutAsync(IdentityApi.Member(group, Guid.NewGuid()), null)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.GetAsync($"{IdentityApi.Groups}/not-a-uuid")).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
        (await admin.PutAsync($"{IdentityApi.Groups}/{group}/members/not-a-uuid", null)).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");

        (await admin.GetAsync(IdentityApi.Group(group))).ShouldBe(HttpStatusCode.OK).Members().ShouldBeEmpty();
    }

    [Fact]
    public async Task AMembershipAddedInIdentityLetsTheMemberReadAGroupSharedRootAndRemovingItTakesThatAway()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("Readers"))).Id();
        using var bob = await IdentityApi.DocumentsAsAsync(stack, "bob");
        using var carol = await IdentityApi.DocumentsAsAsync(stack, "carol");
        var root = await CreateGroupSharedRootAsync(bob, group);
        (await carol.GetAsync($"/api/v1/roots/{root}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");

        (await admin.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);

        var readable = await Poll.UntilAsync(() => carol.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK,
            "carol reading the root after joining the group");
        readable.Json.Id().ShouldBe(root);
        (await carol.GetAsync("/api/v1/roots")).ShouldBe(HttpStatusCode.OK).Ids().ShouldContain(root);

        (await admin.DeleteAsync(IdentityApi.Member(group, World.Carol))).ShouldBe(HttpStatusCode.NoContent);

        var hidden = await Poll.UntilAsync(() => carol.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status != HttpStatusCode.OK,
            "carol losing the root after leaving the group");
        hidden.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await carol.GetAsync("/api/v1/roots")).ShouldBe(HttpStatusCode.OK).Ids().ShouldNotContain(root);
    }

    [Fact]
    public async Task DeletingAGroupInIdentityTakesAwayWhatItsMembersCouldRead()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var group = (await admin.CreateGroupAsync(IdentityApi.FreshName("Short-lived"))).Id();
        using var bob = await IdentityApi.DocumentsAsAsync(stack, "bob");
        using var carol = await IdentityApi.DocumentsAsAsync(stack, "carol");
        var root = await CreateGroupSharedRootAsync(bob, group);
        (await admin.PutAsync(IdentityApi.Member(group, World.Carol), null)).ShouldBe(HttpStatusCode.Created);
        await Poll.UntilAsync(() => carol.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status == HttpStatusCode.OK,
            "carol reading the root after joining the group");

        (await admin.DeleteAsync(IdentityApi.Group(group))).ShouldBe(HttpStatusCode.NoContent);

        var hidden = await Poll.UntilAsync(() => carol.GetAsync($"/api/v1/roots/{root}"), answer => answer.Status != HttpStatusCode.OK,
            "carol losing the root after the group was deleted");
        hidden.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        using var carolInIdentity = await IdentityApi.SignInAsync(stack, World.Carol);
        (await carolInIdentity.GetAsync(IdentityApi.MyGroups)).ShouldBe(HttpStatusCode.OK).Ids().ShouldNotContain(group);
    }

    [Fact]
    public async Task AnAccountCreatedInIdentityCanBeGrantedARootInDocumentsApi()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("newcomer");
        var newcomer = await admin.RegisterAsync(username);
        using var bob = await IdentityApi.DocumentsAsAsync(stack, "bob");
        var root = (await bob.PostAsync("/api/v1/roots", new { name = "For the newcomer", sharedAccess = "None" })).ShouldBe(HttpStatusCode.Created).Id();

        var granted = await ProjectionLag.GrantOnceKnownAsync(() => bob.PutAsync($"/api/v1/roots/{root}/permissions/users/{newcomer}", new { access = "RO" }), "the new account");
        granted.ShouldBe(HttpStatusCode.Created);

        using var documents = await IdentityApi.DocumentsAsAsync(stack, username);
        (await documents.GetAsync($"/api/v1/roots/{root}")).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(root);
    }

    /// <summary>A root bob creates and grants RO to <paramref name="group"/>, once documents-api has heard of the group.</summary>
    private static async Task<Guid> CreateGroupSharedRootAsync(ServiceClient bob, Guid group)
    {
        var root = (await bob.PostAsync("/api/v1/roots", new { name = "Group reading", sharedAccess = "None" })).ShouldBe(HttpStatusCode.Created).Id();
        var granted = await ProjectionLag.GrantOnceKnownAsync(() => bob.PutAsync($"/api/v1/roots/{root}/permissions/groups/{group}", new { access = "RO" }), "the new group");
        var grant = granted.ShouldBe(HttpStatusCode.Created);
        grant.GetProperty("groupId").GetGuid().ShouldBe(group);
        grant.Str("access").ShouldBe("RO");
        return root;
    }
}
