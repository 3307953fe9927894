using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// Rotating the signing key: the new key is published before it signs, so documents-api and the
/// gateway (refetching the JWKS every second) accept the first token it signs, and tokens signed by
/// the old key keep working until they expire.
/// </summary>
public sealed class KeyRotationTests(KeyRotationStack stack) : IClassFixture<KeyRotationStack>, IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task AfterARotationNewTokensAreSignedByTheNewKeyAndBothNewAndOldTokensOpenDocumentsApiAndTheGateway()
    {
        var before = await IdentityApi.StartSessionAsync(stack, "carol");
        var oldKid = Jwt.Kid(before.AccessToken);
        // The validators have been running with the old key for a while: they hold a JWKS without the new one.
        await ShouldOpenDocumentsApiAsync(before.AccessToken, "before the rotation, with the old key");
        await ShouldOpenTheGatewayAsync(before.AccessToken, "before the rotation, with the old key");
        using var admin = await IdentityApi.SignInAsync(stack, World.Alice);

        var rotated = await admin.PostAsync(IdentityApi.RotateKeys, null);

        var keys = rotated.ShouldBe(HttpStatusCode.OK).Items();
        var newest = keys.MaxBy(key => key.GetProperty("activatesAt").GetDateTimeOffset());
        var newKid = newest.Str("kid")!;
        newKid.ShouldNotBe(oldKid, rotated.Describe());
        newest.GetProperty("activatesAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow, "the new key must not sign before it is published for a while");
        keys.Select(key => key.Str("kid")).ShouldContain(oldKid, rotated.Describe());

        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        await Poll.UntilAsync(() => anonymous.GetAsync(IdentityApi.Jwks),
            answer => answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("keys").Items().Any(key => key.Str("kid") == newKid),
            "the JWKS publishing the new key");
        var signedByNewKey = await Poll.UntilAsync(() => anonymous.LoginAsync("carol", DemoWorld.Password),
            answer => answer.Status == HttpStatusCode.OK && Jwt.Kid(Session.From(answer.Json).AccessToken) == newKid,
            "a login's token being signed by the new key",
            KeyRotationStack.Prepublication + TimeSpan.FromSeconds(10));
        var after = Session.From(signedByNewKey.Json);

        // The first request with a new-key token must succeed: prepublication exists so no validator meets an unknown key.
        await ShouldOpenDocumentsApiAsync(after.AccessToken, "with the first token of the new key");
        await ShouldOpenTheGatewayAsync(after.AccessToken, "with the first token of the new key");
        await ShouldOpenDocumentsApiAsync(before.AccessToken, "after the rotation, with the old key");
        await ShouldOpenTheGatewayAsync(before.AccessToken, "after the rotation, with the old key");
        using var identityWithOld = ServiceClient.Identity(stack, "carol (old key)", before.AccessToken);
        (await identityWithOld.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(World.Carol);
        using var identityWithNew = ServiceClient.Identity(stack, "carol (new key)", after.AccessToken);
        (await identityWithNew.GetAsync(IdentityApi.Me)).ShouldBe(HttpStatusCode.OK).Id().ShouldBe(World.Carol);
        (await IdentityApi.PublishedKidsAsync(stack)).ShouldContain(oldKid, "the old key must stay published while its tokens are valid");
    }

    [Fact]
    public async Task OnlyAdminsRotateTheKeys()
    {
        var published = await IdentityApi.PublishedKidsAsync(stack);
        using var bob = await IdentityApi.SignInAsync(stack, World.Bob);
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        (await bob.PostAsync(IdentityApi.RotateKeys, null)).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await anonymous.PostAsync(IdentityApi.RotateKeys, null)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");

        (await IdentityApi.PublishedKidsAsync(stack)).ShouldBe(published, ignoreOrder: true);
    }

    private async Task ShouldOpenDocumentsApiAsync(string token, string when)
    {
        using var documents = ServiceClient.Documents(stack, $"carol {when}", token);
        var answer = await documents.GetAsync("/api/v1/roots");
        answer.Status.ShouldBe(HttpStatusCode.OK, $"documents-api refused carol's token {when} (kid {Jwt.Kid(token)}): {answer.Describe()}");
        answer.Json.Ids().ShouldContain(World.PlanRoot);
    }

    private async Task ShouldOpenTheGatewayAsync(string token, string when)
    {
        HubConnection connection;
        try
        {
            connection = await stack.ConnectAsync(token);
        }
        catch (HttpRequestException refused)
        {
            throw new ShouldAssertException($"The gateway refused carol's token {when} (kid {Jwt.Kid(token)}): {refused.Message}{Environment.NewLine}" +
                string.Join(Environment.NewLine, stack.Gateway.Output.Split(Environment.NewLine).TakeLast(20)), refused);
        }

        _connections.Add(connection);
        connection.State.ShouldBe(HubConnectionState.Connected, when);
    }
}
