using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>identity's routes as the tests call them, and the shortcuts that must succeed.</summary>
internal static class IdentityApi
{
    public const string Login = "/api/v1/auth/login";
    public const string Refresh = "/api/v1/auth/refresh";
    public const string Logout = "/api/v1/auth/logout";
    public const string Users = "/api/v1/users";
    public const string Me = "/api/v1/users/me";
    public const string MyPassword = "/api/v1/users/me/password";
    public const string MyGroups = "/api/v1/users/me/groups";
    public const string Groups = "/api/v1/groups";
    public const string RotateKeys = "/api/v1/keys/rotate";
    public const string Jwks = "/.well-known/jwks.json";
    public const string LogoutEverywhere = "/api/v1/auth/logout-everywhere";

    public static string AdminOf(Guid user) => $"{Users}/{user}/admin";

    public static string DisabledOf(Guid user) => $"{Users}/{user}/disabled";

    public static string GroupsOf(Guid user) => $"{Users}/{user}/groups";

    public static string Group(Guid group) => $"{Groups}/{group}";

    public static string Member(Guid group, Guid user) => $"{Groups}/{group}/members/{user}";

    /// <summary>A username nobody has yet (3–64 characters of the allowed alphabet).</summary>
    public static string FreshName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 33)];

    public static Task<Answer> LoginAsync(this ServiceClient client, string username, string password) =>
        client.PostAsync(Login, new { username, password });

    public static Task<Answer> RefreshAsync(this ServiceClient client, string refreshToken) =>
        client.PostAsync(Refresh, new { refreshToken });

    public static Task<Answer> LogoutAsync(this ServiceClient client, string refreshToken) =>
        client.PostAsync(Logout, new { refreshToken });

    /// <summary>Logs in (which must succeed) and returns the tokens.</summary>
    public static async Task<Session> StartSessionAsync(RoomcastStack stack, string username, string password = DemoWorld.Password)
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        return Session.From((await anonymous.LoginAsync(username, password)).ShouldBe(HttpStatusCode.OK));
    }

    /// <summary>An identity client signed in as <paramref name="username"/> (the login must succeed).</summary>
    public static async Task<ServiceClient> SignInAsync(RoomcastStack stack, string username, string password = DemoWorld.Password) =>
        ServiceClient.Identity(stack, username, (await StartSessionAsync(stack, username, password)).AccessToken);

    public static Task<ServiceClient> SignInAsync(RoomcastStack stack, Guid demoUser) => SignInAsync(stack, stack.World.UsernameOf(demoUser));

    /// <summary>A documents-api client signed in as <paramref name="username"/> through identity.</summary>
    public static async Task<ServiceClient> DocumentsAsAsync(RoomcastStack stack, string username, string password = DemoWorld.Password) =>
        ServiceClient.Documents(stack, username, (await StartSessionAsync(stack, username, password)).AccessToken);

    /// <summary>Creates an account as <paramref name="admin"/> (which must succeed); returns its id.</summary>
    public static async Task<Guid> RegisterAsync(this ServiceClient admin, string username, string password = DemoWorld.Password, bool isAdmin = false)
    {
        var created = (await admin.PostAsync(Users, new { username, password, isAdmin })).ShouldBe(HttpStatusCode.Created);
        created.Str("username").ShouldBe(username);
        return created.Id();
    }

    /// <summary>Creates a group as <paramref name="admin"/> (which must succeed); returns it.</summary>
    public static async Task<JsonElement> CreateGroupAsync(this ServiceClient admin, string name) =>
        (await admin.PostAsync(Groups, new { name })).ShouldBe(HttpStatusCode.Created);

    /// <summary>The kids the JWKS publishes right now.</summary>
    public static async Task<IReadOnlyList<string>> PublishedKidsAsync(RoomcastStack stack)
    {
        using var anonymous = ServiceClient.Identity(stack, "anonymous");
        var jwks = (await anonymous.GetAsync(Jwks)).ShouldBe(HttpStatusCode.OK);
        return jwks.GetProperty("keys").EnumerateArray().Select(key => key.Str("kid")!).ToList();
    }
}

/// <summary>Reads and forges compact JWTs (header.payload.signature, base64url) without a JWT library.</summary>
internal static class Jwt
{
    public static JsonElement Header(string token) => Part(token, 0);

    public static JsonElement Payload(string token) => Part(token, 1);

    public static string Kid(string token) => Header(token).Str("kid") ?? throw new ShouldAssertException($"The token's header names no kid: {Header(token)}");

    /// <summary>The token with its payload changed by <paramref name="change"/> and its original signature kept.</summary>
    public static string Tampered(string token, Action<JsonObject> change)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Decode(parts[1]))!.AsObject();
        change(payload);
        return $"{parts[0]}.{Encode(payload.ToJsonString())}.{parts[2]}";
    }

    /// <summary>The claims of <paramref name="model"/> (a real token) with a fresh id, signed RS256 by a key identity never had.</summary>
    public static string SignedByStranger(string model, string kid)
    {
        using var stranger = RSA.Create(2048);
        var payload = JsonNode.Parse(Decode(model.Split('.')[1]))!.AsObject();
        payload["jti"] = Guid.NewGuid().ToString("N");
        var signingInput = $"{Encode(JsonSerializer.Serialize(new { alg = "RS256", kid, typ = "JWT" }))}.{Encode(payload.ToJsonString())}";
        var signature = stranger.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{WebEncoders.Base64UrlEncode(signature)}";
    }

    /// <summary>The claims of <paramref name="model"/> as an unsigned token (<c>alg: none</c>).</summary>
    public static string Unsigned(string model) =>
        $"{Encode(JsonSerializer.Serialize(new { alg = "none", typ = "JWT" }))}.{model.Split('.')[1]}.";

    private static JsonElement Part(string token, int index)
    {
        var parts = token.Split('.');
        parts.Length.ShouldBe(3, $"not a compact JWT: {token}");
        return JsonSerializer.Deserialize<JsonElement>(Decode(parts[index]));
    }

    private static string Decode(string part) => Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(part));

    private static string Encode(string json) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(json));
}
