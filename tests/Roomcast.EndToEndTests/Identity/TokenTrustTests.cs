using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// documents-api and the gateway trust identity's tokens through its JWKS and nothing else: a real
/// token opens both; a token signed by any other key, tampered with, or unsigned opens neither (nor
/// identity itself).
/// </summary>
[Collection(IdentityCollection.Name)]
public sealed class TokenTrustTests(IdentityStack stack) : IAsyncLifetime
{
    private readonly ClientConnections _connections = new();

    private DemoWorld World => stack.World;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _connections.DisposeAsync().AsTask();

    [Fact]
    public async Task ALoginsAccessTokenOpensDocumentsApiAndALiveGatewayConnection()
    {
        var session = await IdentityApi.StartSessionAsync(stack, "carol");
        using var documents = ServiceClient.Documents(stack, "carol", session.AccessToken);

        (await documents.GetAsync("/api/v1/roots")).ShouldBe(HttpStatusCode.OK).Ids().ShouldContain(World.PlanRoot);

        var connection = await stack.ConnectAsync(session.AccessToken);
        _connections.Add(connection);
        connection.State.ShouldBe(HubConnectionState.Connected);
        var inbox = new ClientInbox(connection, "carol");
        using var bob = await IdentityApi.DocumentsAsAsync(stack, "bob");
        (await bob.PutAsync($"/api/v1/documents/{World.PlanDocument}", new { data = new { text = "seen by carol" } })).ShouldBe(HttpStatusCode.OK);
        var change = await inbox.NextAsync();
        change.Id.ShouldBe(World.PlanDocument);
    }

    [Fact]
    public async Task TheJwksPublishesOnlyThePublicHalfOfEachKey()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");

        var answer = await anonymous.GetAsync(IdentityApi.Jwks);

        var keys = answer.ShouldBe(HttpStatusCode.OK).GetProperty("keys").Items();
        keys.ShouldNotBeEmpty();
        foreach (var key in keys)
        {
            key.Str("kty").ShouldBe("RSA", answer.Describe());
            key.Str("alg").ShouldBe("RS256", answer.Describe());
            key.Str("use").ShouldBe("sig", answer.Describe());
            key.Str("kid").ShouldNotBeNullOrEmpty(answer.Describe());
            key.PropertyNames().Intersect(["d", "p", "q", "dp", "dq", "qi"]).ShouldBeEmpty(answer.Describe());
        }
    }

    [Fact]
    public async Task TheDiscoveryDocumentNamesTheIssuerOfTheTokensAndTheJwks()
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var session = await IdentityApi.StartSessionAsync(stack, "dave");

        var discovery = (await anonymous.GetAsync("/.well-known/openid-configuration")).ShouldBe(HttpStatusCode.OK);

        discovery.Str("issuer").ShouldBe(Jwt.Payload(session.AccessToken).Str("iss"));
        new Uri(discovery.Str("jwks_uri")!).AbsolutePath.ShouldBe(IdentityApi.Jwks);
    }

    public static TheoryData<string> Forgeries => ["a stranger's key under identity's kid", "a stranger's key under an unknown kid", "a tampered payload", "no signature"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task ATokenIdentityDidNotSignOpensNothing(string forgery)
    {
        var bobs = (await IdentityApi.StartSessionAsync(stack, "bob")).AccessToken;
        var token = forgery switch
        {
            "a stranger's key under identity's kid" => Jwt.SignedByStranger(AsAdmin(bobs), Jwt.Kid(bobs)),
            "a stranger's key under an unknown kid" => Jwt.SignedByStranger(AsAdmin(bobs), Guid.NewGuid().ToString("N")),
            "a tampered payload" => AsAdmin(bobs),
            _ => Jwt.Unsigned(AsAdmin(bobs)),
        };
        using var identity = ServiceClient.Identity(stack, $"forged ({forgery})", token);
        using var documents = ServiceClient.Documents(stack, $"forged ({forgery})", token);

        (await identity.GetAsync(IdentityApi.Users)).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await identity.PostAsync(IdentityApi.Groups, new { name = "Forged" })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await documents.GetAsync("/api/v1/roots")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        (await documents.GetAsync($"/api/v1/roots/{World.PlanRoot}")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        var refused = await Should.ThrowAsync<HttpRequestException>(() => stack.ConnectAsync(token));
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>bob's token claiming the admin role, its signature left as it was.</summary>
    private static string AsAdmin(string token) => Jwt.Tampered(token, payload => payload["role"] = JsonValue.Create("admin"));
}
