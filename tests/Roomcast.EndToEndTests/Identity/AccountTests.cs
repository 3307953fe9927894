using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// Accounts as admins manage them (registration is closed on this stack): creating users, listing
/// them, promoting and demoting admins, and what non-admins and anonymous callers are told.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class AccountTests(IdentityStack stack)
{
    private static readonly string[] UserFields = ["id", "username", "isAdmin", "version", "disabled"];

    private DemoWorld World => stack.World;

    [Fact]
    public async Task AnAdminCreatesAnAccountThatCanLogInAtOnce()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("erin");

        var answer = await admin.PostAsync(IdentityApi.Users, new { username, password = "erins-password" });

        var created = answer.ShouldBe(HttpStatusCode.Created);
        created.Str("username").ShouldBe(username);
        created.GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
        created.PropertyNames().Order().ToList().ShouldBe(UserFields.Order().ToList(), answer.Describe());
        using var erin = await IdentityApi.SignInAsync(stack, username, "erins-password");
        var me = (await erin.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK);
        me.Id().ShouldBe(created.Id());
        me.Str("username").ShouldBe(username);
        me.GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task AnAdminMayCreateAnotherAdmin()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("deputy");

        var created = (await admin.PostAsync(IdentityApi.Users, new { username, password = DemoWorld.Password, isAdmin = true })).ShouldBe(HttpStatusCode.Created);

        created.GetProperty("isAdmin").GetBoolean().ShouldBeTrue();
        using var deputy = await IdentityApi.SignInAsync(stack, username);
        (await deputy.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("BOB")]
    [InlineData("Bob")]
    public async Task ATakenUsernameIsAConflictWhateverItsCaseAndTheExistingAccountKeepsItsPassword(string username)
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        (await admin.PostAsync(IdentityApi.Users, new { username, password = "takeover-password" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");

        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        (await anonymous.LoginAsync("bob", "takeover-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        Jwt.Payload(Session.From((await anonymous.LoginAsync("bob", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK)).AccessToken)
            .Str("sub").ShouldBe(World.Bob.ToString());
    }

    [Fact]
    public async Task TwoSimultaneousRegistrationsOfOneNameCreateOneAccount()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("twin");

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(index =>
            admin.PostAsync(IdentityApi.Users, new { username = index % 2 == 0 ? username : username.ToUpperInvariant(), password = $"password-{index}-long" })));

        var described = string.Join(Environment.NewLine, answers.Select(answer => answer.Describe()));
        answers.Count(answer => answer.Status == HttpStatusCode.Created).ShouldBe(1, described);
        answers.Count(answer => answer.Status == HttpStatusCode.Conflict).ShouldBe(3, described);
        var users = (await admin.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
        users.Items().Count(user => string.Equals(user.Str("username"), username, StringComparison.OrdinalIgnoreCase)).ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"username":"ab","password":"long-enough-password"}""", "username")]
    [InlineData("""{"username":"has space","password":"long-enough-password"}""", "username")]
    [InlineData("""{"username":"émile","password":"long-enough-password"}""", "username")]
    [InlineData("""{"password":"long-enough-password"}""", "username")]
    [InlineData("""{"username":"valid-name","password":"short"}""", "password")]
    [InlineData("""{"username":"valid-name"}""", "password")]
    [InlineData("""{"username":"valid-name","password":"long-enough-password","isAdmin":"yes"}""", "isAdmin")]
    [InlineData("""{"username":"valid-name","password":"long-enough-password","email":"x@example.org"}""", "email")]
    public async Task ARegistrationWithBadValuesIsRefusedAndCreatesNothing(string body, string field)
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var before = (await admin.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK).Ids();

        (await admin.SendRawAsync(HttpMethod.Post, IdentityApi.Users, body)).ShouldBeInvalid(field);

        var after = (await admin.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
        after.Items().Select(user => user.Str("username")).ShouldNotContain("valid-name");
        after.Ids().Except(before).ShouldBeEmpty();
    }

    [Fact]
    public async Task AnOverlongUsernameOrPasswordIsAnInvalidValue()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        (await admin.PostAsync(IdentityApi.Users, new { username = new string('u', 65), password = DemoWorld.Password })).ShouldBeInvalid("username");
        (await admin.PostAsync(IdentityApi.Users, new { username = IdentityApi.FreshName("longpw"), password = new string('p', 257) })).ShouldBeInvalid("password");
    }

    [Fact]
    public async Task ARegistrationBodyThatIsNotJsonIsRefusedWithItsOwnProblemType()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        (await admin.SendRawAsync(HttpMethod.Post, IdentityApi.Users, "{\"username\":")).ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-request");
        (await admin.SendRawAsync(HttpMethod.Post, IdentityApi.Users, "username=x", "text/plain")).ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Fact]
    public async Task OnlyAdminsCreateAccountsWhenRegistrationIsClosed()
    {
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var byBob = IdentityApi.FreshName("bobs-friend");
        var byNobody = IdentityApi.FreshName("walk-in");

        (await anonymous.PostAsync(IdentityApi.Users, new { username = byNobody, password = DemoWorld.Password })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await bob.PostAsync(IdentityApi.Users, new { username = byBob, password = DemoWorld.Password })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await bob.PostAsync(IdentityApi.Users, new { username = byBob, password = DemoWorld.Password, isAdmin = true })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await anonymous.LoginAsync(byNobody, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.LoginAsync(byBob, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task MeDescribesTheSignedInUserAndNothingSecret()
    {
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);

        var answer = await bob.GetAsync(IdentityApi.Me);

        var me = answer.ShouldBe(HttpStatusCode.OK);
        me.Id().ShouldBe(World.Bob);
        me.Str("username").ShouldBe("bob");
        me.GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
        me.PropertyNames().Order().ToList().ShouldBe(UserFields.Order().ToList(), answer.Describe());
    }

    [Fact]
    public async Task MeNeedsAValidToken()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        using var garbage = ServiceClient.Identity(stack, "garbage token", "not-a-jwt");

        (await anonymous.GetAsync(IdentityApi.Me)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await garbage.GetAsync(IdentityApi.Me)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task AnAdminListsEveryAccountWithoutPasswordsOrLockoutState()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        var answer = await admin.GetAsync(IdentityApi.Users);

        var users = answer.ShouldBe(HttpStatusCode.OK).Items();
        foreach (var demo in new[] { World.Alice, World.Bob, World.Carol, World.Dave })
        {
            var user = users.SingleOrDefault(candidate => candidate.Id() == demo);
            user.ValueKind.ShouldBe(JsonValueKind.Object, $"{World.UsernameOf(demo)} is missing: {answer.Describe()}");
            user.Str("username").ShouldBe(World.UsernameOf(demo));
            user.GetProperty("isAdmin").GetBoolean().ShouldBe(demo == World.Alice);
        }

        foreach (var user in users)
        {
            user.PropertyNames().Order().ToList().ShouldBe(UserFields.Order().ToList(), answer.Describe());
        }
    }

    [Fact]
    public async Task OnlyAdminsListAccounts()
    {
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await bob.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await anonymous.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task APromotionTakesEffectAtTheUsersNextRefreshAndADemotionAtTheOneAfter()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("promoted");
        var userId = await admin.RegisterAsync(username);
        var session = await IdentityApi.StartSessionAsync(stack, username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var promoted = (await admin.PutAsync(IdentityApi.AdminOf(userId), new { isAdmin = true })).ShouldBe(HttpStatusCode.OK);
        promoted.Id().ShouldBe(userId);
        promoted.GetProperty("isAdmin").GetBoolean().ShouldBeTrue();
        var asAdmin = Session.From((await anonymous.RefreshAsync(session.RefreshToken)).ShouldBe(HttpStatusCode.OK));
        using (var user = ServiceClient.Identity(stack, username, asAdmin.AccessToken))
        {
            (await user.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
        }

        (await admin.PutAsync(IdentityApi.AdminOf(userId), new { isAdmin = false })).ShouldBe(HttpStatusCode.OK).GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
        var demoted = Session.From((await anonymous.RefreshAsync(asAdmin.RefreshToken)).ShouldBe(HttpStatusCode.OK));
        using (var user = ServiceClient.Identity(stack, username, demoted.AccessToken))
        {
            (await user.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task SettingTheRoleAUserAlreadyHasChangesNothing()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var userId = await admin.RegisterAsync(IdentityApi.FreshName("same"));
        var before = (await admin.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK).Items().Single(user => user.Id() == userId);

        var answer = (await admin.PutAsync(IdentityApi.AdminOf(userId), new { isAdmin = false })).ShouldBe(HttpStatusCode.OK);

        answer.GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
        answer.GetProperty("version").GetInt64().ShouldBe(before.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task TheLastAdminCannotBeDemoted()
    {
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        // Other tests of this stack create admins: demote them all so alice is the last one.
        foreach (var other in (await alice.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK).Items()
                     .Where(user => user.GetProperty("isAdmin").GetBoolean() && user.Id() != World.Alice))
        {
            (await alice.PutAsync(IdentityApi.AdminOf(other.Id()), new { isAdmin = false })).ShouldBe(HttpStatusCode.OK);
        }

        (await alice.PutAsync(IdentityApi.AdminOf(World.Alice), new { isAdmin = false })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");

        using var fresh = await IdentityApi.SignInAsync(stack, World.Alice);
        (await fresh.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).GetProperty("isAdmin").GetBoolean().ShouldBeTrue();
        (await fresh.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OnlyAdminsChangeRoles()
    {
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await bob.PutAsync(IdentityApi.AdminOf(World.Bob), new { isAdmin = true })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await anonymous.PutAsync(IdentityApi.AdminOf(World.Bob), new { isAdmin = true })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");

        using var again = await IdentityApi.SignInAsync(stack, World.Bob);
        (await again.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task ARoleChangeForAnUnknownOrMalformedUserOrWithoutAValueIsRefused()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        (await admin.PutAsync(IdentityApi.AdminOf(Guid.NewGuid()), new { isAdmin = true })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        (await admin.PutAsync($"{IdentityApi.Users}/not-a-uuid/admin", new { isAdmin = true })).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
        (await admin.PutAsync(IdentityApi.AdminOf(World.Bob), new { })).ShouldBeInvalid("isAdmin");
        (await admin.SendRawAsync(HttpMethod.Put, IdentityApi.AdminOf(World.Bob), """{"isAdmin":"true"}""")).ShouldBeInvalid("isAdmin");
    }
}
