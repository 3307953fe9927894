using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests.Identity;

/// <summary>
/// identity started alone (no documents-api, no gateway), as often as a test likes, on a database the
/// test owns; the processes of one test class share a RabbitMQ virtual host and a demo seed.
/// </summary>
public sealed class LoneIdentity : IAsyncLifetime
{
    public TestStackSettings Stack { get; } = TestStackSettings.Current;

    public IsolatedVirtualHost VirtualHost { get; private set; } = null!;

    public DemoWorld World { get; } = new();

    public string SeedFile { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SeedFile = World.WriteSeedFile();
        VirtualHost = await IsolatedVirtualHost.CreateAsync(Stack);
    }

    /// <summary>identity on <paramref name="database"/>; every start of one test issues as the same issuer, as a restarted service does.</summary>
    public async Task<ServiceProcess> StartAsync(IsolatedDatabase database, string keyEncryptionKey)
    {
        return await ServiceProcess.StartAsync("identity", "Roomcast.Identity", FreePort.Next(), new Dictionary<string, string>
        {
            ["Postgres__ConnectionString"] = database.ConnectionString,
            ["Identity__Issuer"] = $"http://identity.e2e/{database.Name}",
            ["Identity__KeyEncryptionKey"] = keyEncryptionKey,
            ["Demo__SeedFile"] = SeedFile,
            ["RabbitMq__Host"] = Stack.RabbitMqHost,
            ["RabbitMq__Port"] = Stack.RabbitMqPort.ToString(),
            ["RabbitMq__VirtualHost"] = VirtualHost.Name,
            ["RabbitMq__Username"] = Stack.RabbitMqUser,
            ["RabbitMq__Password"] = Stack.RabbitMqPassword,
        });
    }

    /// <summary>Signs <paramref name="username"/> in with the seed's password; their access token.</summary>
    public static async Task<string> LoginAsync(ServiceProcess identity, string username)
    {
        using var http = new HttpClient { BaseAddress = identity.BaseAddress };
        using var response = await http.PostAsJsonAsync(IdentityApi.Login, new { username, password = DemoWorld.Password });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{username} logging in: {body}{Environment.NewLine}{identity.Output}");
        return JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!;
    }

    public async Task DisposeAsync()
    {
        if (VirtualHost is not null)
        {
            await VirtualHost.DisposeAsync();
        }

        if (SeedFile is not null)
        {
            File.Delete(SeedFile);
        }
    }
}
