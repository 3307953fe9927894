using System.Net;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// identity with <c>Identity__OpenRegistration=true</c>: anyone may create an account, nobody but an
/// admin may create an admin. Also home to the test that demotes admins concurrently, which must
/// not run on the shared stack.
/// </summary>
public sealed class OpenRegistrationTests(OpenRegistrationStack stack) : IClassFixture<OpenRegistrationStack>
{
    private DemoWorld World => stack.World;

    [Fact]
    public async Task AnyoneMayCreateAnAccountAndLogInWithIt()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var username = IdentityApi.FreshName("visitor");

        var created = (await anonymous.PostAsync(IdentityApi.Users, new { username, password = "visitors-password" })).ShouldBe(HttpStatusCode.Created);

        created.Str("username").ShouldBe(username);
        created.GetProperty("isAdmin").GetBoolean().ShouldBeFalse();
        using var visitor = await IdentityApi.SignInAsync(stack, username, "visitors-password");
        (await visitor.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(created.Id());
        (await visitor.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task NobodyButAnAdminCreatesAnAdmin()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);
        var byNobody = IdentityApi.FreshName("self-made-admin");
        var byBob = IdentityApi.FreshName("bobs-admin");

        (await anonymous.PostAsync(IdentityApi.Users, new { username = byNobody, password = DemoWorld.Password, isAdmin = true })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await bob.PostAsync(IdentityApi.Users, new { username = byBob, password = DemoWorld.Password, isAdmin = true })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        (await anonymous.LoginAsync(byNobody, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.LoginAsync(byBob, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task OpenRegistrationStillRefusesATakenNameAndBadValues()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.PostAsync(IdentityApi.Users, new { username = "ALICE", password = "takeover-password" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        (await anonymous.PostAsync(IdentityApi.Users, new { username = "x", password = "long-enough-password" })).ShouldBeInvalid("username");
        (await anonymous.PostAsync(IdentityApi.Users, new { username = IdentityApi.FreshName("weak"), password = "short" })).ShouldBeInvalid("password");

        (await anonymous.LoginAsync("alice", "takeover-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task TwoAdminsDemotedAtTheSameMomentStillLeaveOneAdmin()
    {
        const int rounds = 15;
        using var alice = await IdentityApi.SignInAsync(stack, World.Alice);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var failures = new List<string>();
        for (var round = 1; round <= rounds; round++)
        {
            var name = IdentityApi.FreshName($"admin{round}");
            var other = await anonymous.RegisterAsync(name);
            (await alice.PutAsync(IdentityApi.AdminOf(other), new { isAdmin = true })).ShouldBe(HttpStatusCode.OK);
            using var second = await IdentityApi.SignInAsync(stack, name);
            (await AdminsAsync(alice)).Count.ShouldBe(2, $"round {round} must start with exactly two admins");

            var answers = await Task.WhenAll(
                alice.PutAsync(IdentityApi.AdminOf(other), new { isAdmin = false }),
                alice.PutAsync(IdentityApi.AdminOf(World.Alice), new { isAdmin = false }));

            // identity judges by the role each account has now: only the admin left may look and mend.
            var (survivor, admins) = await AdminLeftAsync(alice, second);
            if (survivor is null)
            {
                failures.Add($"round {round}: no admin left; {answers[0].Describe()} | {answers[1].Describe()}");
                break;
            }

            // Back to alice as the only admin.
            if (!admins.Contains(World.Alice))
            {
                (await survivor.PutAsync(IdentityApi.AdminOf(World.Alice), new { isAdmin = true })).ShouldBe(HttpStatusCode.OK);
            }

            if ((await AdminsAsync(alice)).Contains(other))
            {
                (await alice.PutAsync(IdentityApi.AdminOf(other), new { isAdmin = false })).ShouldBe(HttpStatusCode.OK);
            }
        }

        failures.ShouldBeEmpty($"demoting two admins at once left none in {failures.Count} of {rounds} rounds");
    }

    /// <summary>The one of <paramref name="candidates"/> identity still lets list the users, and the admins it sees; none when no admin is left.</summary>
    private static async Task<(ServiceClient? Survivor, IReadOnlyList<Guid> Admins)> AdminLeftAsync(params ServiceClient[] candidates)
    {
        foreach (var candidate in candidates)
        {
            var answer = await candidate.GetAsync(IdentityApi.Users);
            if (answer.Status == HttpStatusCode.OK)
            {
                return (candidate, await AdminsAsync(candidate));
            }

            answer.ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        }

        return (null, []);
    }

    private static async Task<IReadOnlyList<Guid>> AdminsAsync(ServiceClient admin) =>
        (await admin.GetAsync(IdentityApi.Users)).ShouldBe(HttpStatusCode.OK).Items()
            .Where(user => user.GetProperty("isAdmin").GetBoolean()).Select(user => user.Id()).ToList();
}
