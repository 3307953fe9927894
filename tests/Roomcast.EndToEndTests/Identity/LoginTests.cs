using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// Logging in: what a successful login hands out, that a failed one says nothing about which
/// accounts exist, and the lockout after <see cref="IdentityStack.LockoutThreshold"/> consecutive
/// failures, which lifts by itself after <see cref="IdentityStack.LockoutDuration"/>.
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class LoginTests(IdentityStack stack)
{
    private DemoWorld World => stack.World;

    [Fact]
    public async Task ALoginWithTheRightPasswordHandsOutABearerTokenThatNamesTheUser()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var session = Session.From((await anonymous.LoginAsync("alice", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK));

        session.TokenType.ShouldBe("Bearer");
        session.ExpiresIn.ShouldBe(15 * 60, "the default access token lifetime is 15 minutes");
        session.RefreshToken.ShouldNotBeNullOrWhiteSpace();
        var header = Jwt.Header(session.AccessToken);
        header.Str("alg").ShouldBe("RS256");
        (await IdentityApi.PublishedKidsAsync(stack)).ShouldContain(Jwt.Kid(session.AccessToken), "the token's key must be published in the JWKS");
        var claims = Jwt.Payload(session.AccessToken);
        claims.Str("sub").ShouldBe(World.Alice.ToString());
        claims.Str("name").ShouldBe("alice");
        claims.Str("role").ShouldBe("admin");
        (claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64()).ShouldBe(session.ExpiresIn);

        using var alice = ServiceClient.Identity(stack, "alice", session.AccessToken);
        var me = (await alice.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK);
        me.Id().ShouldBe(World.Alice);
        me.Str("username").ShouldBe("alice");
        me.GetProperty("isAdmin").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task ANonAdminsTokenCarriesNoAdminRole()
    {
        var session = await IdentityApi.StartSessionAsync(stack, "bob");

        var claims = Jwt.Payload(session.AccessToken);
        claims.Str("sub").ShouldBe(World.Bob.ToString());
        claims.TryGetProperty("role", out var role).ShouldBeFalse($"bob's token claims a role: {role}");
    }

    [Fact]
    public async Task TheUsernameIsMatchedIgnoringCase()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var session = Session.From((await anonymous.LoginAsync("BoB", DemoWorld.Password)).ShouldBe(HttpStatusCode.OK));

        Jwt.Payload(session.AccessToken).Str("sub").ShouldBe(World.Bob.ToString());
    }

    [Fact]
    public async Task AWrongPasswordIsRefusedAsInvalidCredentials()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("wrongpw");
        await admin.RegisterAsync(username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var refused = (await anonymous.LoginAsync(username, "not-the-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        refused.TryGetProperty("accessToken", out _).ShouldBeFalse();
        (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AnUnknownUserAWrongPasswordAndALockedAccountGetTheSameAnswer()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var wrongPassword = IdentityApi.FreshName("known");
        await admin.RegisterAsync(wrongPassword);
        var locked = IdentityApi.FreshName("locked");
        await admin.RegisterAsync(locked);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        for (var attempt = 0; attempt < IdentityStack.LockoutThreshold; attempt++)
        {
            (await anonymous.LoginAsync(locked, "not-the-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        var answers = new[]
        {
            await anonymous.LoginAsync(IdentityApi.FreshName("nobody"), DemoWorld.Password),
            await anonymous.LoginAsync(wrongPassword, "not-the-password"),
            await anonymous.LoginAsync(locked, DemoWorld.Password),
        };

        var problems = answers.Select(answer => answer.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials")).ToList();
        var described = string.Join(Environment.NewLine, answers.Select(answer => answer.Describe()));
        foreach (var problem in problems.Skip(1))
        {
            problem.Str("title").ShouldBe(problems[0].Str("title"), described);
            Detail(problem).ShouldBe(Detail(problems[0]), described);
            // traceId differs per request and instance names the path; everything else must match.
            problem.PropertyNames().Order().ToList().ShouldBe(problems[0].PropertyNames().Order().ToList(), described);
        }

        answers.Select(answer => answer.WwwAuthenticate).Distinct().Count().ShouldBe(1, described);
    }

    [Fact]
    public async Task ConsecutiveWrongPasswordsLockTheAccountEvenAgainstTheRightPasswordUntilTheLockoutExpires()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("lockme");
        await admin.RegisterAsync(username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        Stopwatch? sinceLock = null;
        for (var attempt = 1; attempt <= IdentityStack.LockoutThreshold; attempt++)
        {
            if (attempt == IdentityStack.LockoutThreshold)
            {
                sinceLock = Stopwatch.StartNew();
            }

            (await anonymous.LoginAsync(username, $"wrong-password-{attempt}")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        var whileLocked = await anonymous.LoginAsync(username, DemoWorld.Password);
        whileLocked.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var accepted = await Poll.UntilAsync(
            () => anonymous.LoginAsync(username, DemoWorld.Password),
            answer => answer.Status != HttpStatusCode.Unauthorized,
            "the lockout lifting",
            IdentityStack.LockoutDuration + TimeSpan.FromSeconds(10));
        var lockedFor = sinceLock!.Elapsed;

        accepted.ShouldBe(HttpStatusCode.OK);
        // The lock started with the third failure, after the stopwatch; allow for clock granularity.
        lockedFor.ShouldBeGreaterThan(IdentityStack.LockoutDuration - TimeSpan.FromMilliseconds(500), "the account was unlocked before the lockout duration");
    }

    [Fact]
    public async Task ASuccessfulLoginResetsTheCountOfFailures()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var username = IdentityApi.FreshName("resets");
        await admin.RegisterAsync(username);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        for (var attempt = 1; attempt < IdentityStack.LockoutThreshold; attempt++)
        {
            (await anonymous.LoginAsync(username, "wrong-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK);
        for (var attempt = 1; attempt < IdentityStack.LockoutThreshold; attempt++)
        {
            (await anonymous.LoginAsync(username, "wrong-password")).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }

        (await anonymous.LoginAsync(username, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK, "the failures were not consecutive, so the account must not be locked");
    }

    [Fact]
    public async Task LockingOneAccountLeavesOthersAlone()
    {
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);
        var locked = IdentityApi.FreshName("lockedone");
        await admin.RegisterAsync(locked);
        var bystander = IdentityApi.FreshName("bystander");
        await admin.RegisterAsync(bystander);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        for (var attempt = 0; attempt < IdentityStack.LockoutThreshold; attempt++)
        {
            await anonymous.LoginAsync(locked, "wrong-password");
        }

        (await anonymous.LoginAsync(locked, DemoWorld.Password)).ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        (await anonymous.LoginAsync(bystander, DemoWorld.Password)).ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"password":"e2e-password"}""", "username")]
    [InlineData("""{"username":"alice"}""", "password")]
    [InlineData("""{"username":"","password":"e2e-password"}""", "username")]
    [InlineData("""{"username":"alice","password":""}""", "password")]
    [InlineData("""{"username":"alice","password":"e2e-password","remember":true}""", "remember")]
    [InlineData("""{"username":42,"password":"e2e-password"}""", "username")]
    public async Task ALoginWithMissingOrWrongFieldsIsAnInvalidValue(string body, string field)
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.SendRawAsync(HttpMethod.Post, IdentityApi.Login, body)).ShouldBeInvalid(field);
    }

    [Fact]
    public async Task AnOverlongUsernameIsAnInvalidValue()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.LoginAsync(new string('a', 65), DemoWorld.Password)).ShouldBeInvalid("username");
    }

    [Fact]
    public async Task ALoginBodyThatIsNotJsonIsRefusedWithItsOwnProblemType()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await anonymous.SendRawAsync(HttpMethod.Post, IdentityApi.Login, "{\"username\": ")).ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-request");
        (await anonymous.SendRawAsync(HttpMethod.Post, IdentityApi.Login, "username=alice&password=e2e-password", "application/x-www-form-urlencoded"))
            .ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        (await anonymous.SendRawAsync(HttpMethod.Post, IdentityApi.Login, "[\"alice\"]")).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "invalid-values");
    }

    private static string? Detail(JsonElement problem) => problem.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
}
