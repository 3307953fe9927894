using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.SignalR;
using Xunit;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// The three services as real processes against the real test stack, isolated by a database per
/// service and a RabbitMQ virtual host of their own, seeded with a <see cref="DemoWorld"/>.
/// </summary>
public class RoomcastStack : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly ConcurrentDictionary<Guid, Task<string>> _tokens = new();
    private string? _seedFile;
    private Dictionary<string, string>? _gatewayBase;

    /// <summary>identity's key-encryption key in every test stack: a fixed test value, never a secret.</summary>
    public const string KeyEncryptionKey = "zHXhYJS5h+/qsqzgDvpuzDxVSyvjoWRpqJIyJOqnxJg=";

    public DemoWorld World { get; } = new();

    public ServiceProcess Identity { get; private set; } = null!;

    /// <summary>The RabbitMQ virtual host of this stack, for tests that publish onto the bus themselves.</summary>
    public string VirtualHost { get; private set; } = null!;

    public ServiceProcess Documents { get; private set; } = null!;

    /// <summary>documents-api's database, for tests that look at its rows or hold its locks themselves.</summary>
    public string DocumentsDatabase { get; private set; } = null!;

    public ServiceProcess Gateway => Gateways[0];

    /// <summary>Every gateway instance; <see cref="GatewayCount"/> of them.</summary>
    public List<ServiceProcess> Gateways { get; } = [];

    public Uri HubUrl => HubUrlOf(0);

    public Uri HubUrlOf(int gateway) => new(Gateways[gateway].BaseAddress, ClientMethods.HubPath);

    /// <summary>All three services' output, for the message of a failing assertion.</summary>
    public string Logs => string.Join(Environment.NewLine, new[] { Identity, Documents }.Concat(Gateways).Where(s => s is not null).Select(s => s.Output));

    public async Task InitializeAsync()
    {
        var stack = TestStackSettings.Current;
        _seedFile = World.WriteSeedFile();
        var identityDb = Own(await IsolatedDatabase.CreateAsync(stack, "identity"));
        var documentsDb = Own(await IsolatedDatabase.CreateAsync(stack, "documents"));
        DocumentsDatabase = documentsDb.ConnectionString;
        var vhost = Own(await IsolatedVirtualHost.CreateAsync(stack));
        VirtualHost = vhost.Name;

        var bus = new Dictionary<string, string>
        {
            ["RabbitMq__Host"] = stack.RabbitMqHost,
            ["RabbitMq__Port"] = stack.RabbitMqPort.ToString(),
            ["RabbitMq__VirtualHost"] = vhost.Name,
            ["RabbitMq__Username"] = stack.RabbitMqUser,
            ["RabbitMq__Password"] = stack.RabbitMqPassword,
        };

        var identityPort = FreePort.Next();
        Identity = Own(await ServiceProcess.StartAsync("identity", "Roomcast.Identity", identityPort, Merge(bus, new()
        {
            ["Postgres__ConnectionString"] = identityDb.ConnectionString,
            ["Identity__Issuer"] = $"http://127.0.0.1:{identityPort}",
            ["Demo__SeedFile"] = _seedFile,
            ["Identity__KeyEncryptionKey"] = KeyEncryptionKey,
        }, IdentitySettings)));

        var trustIdentity = Merge(new Dictionary<string, string>
        {
            ["Jwt__Authority"] = Identity.BaseAddress.ToString().TrimEnd('/'),
            ["Jwt__RequireHttpsMetadata"] = "false",
        }, ValidatorSettings);
        // The gateway's queue must exist before documents-api publishes the first event, and the
        // gateway asks documents-api who may join a root room: documents-api's port is chosen first.
        var documentsPort = FreePort.Next();
        _gatewayBase = Merge(bus, trustIdentity, new()
        {
            ["RoomAccess__DocumentsApiUrl"] = await GatewayDocumentsApiUrlAsync($"http://127.0.0.1:{documentsPort}"),
        });
        for (var instance = 0; instance < GatewayCount; instance++)
        {
            await StartGatewayAsync();
        }
        Documents = Own(await ServiceProcess.StartAsync("documents-api", "Roomcast.DocumentsApi", documentsPort,
            Merge(bus, trustIdentity, new()
            {
                ["Postgres__ConnectionString"] = documentsDb.ConnectionString,
                ["Demo__SeedFile"] = _seedFile,
            }, DocumentsSettings)));
    }

    /// <summary>
    /// Starts one more gateway instance, as the stack started its first ones (settings of the next
    /// instance number), and returns its index in <see cref="Gateways"/>: an instance that knows only
    /// what Redis holds, as one started or restarted after something happened.
    /// </summary>
    public async Task<int> StartGatewayAsync()
    {
        var instance = Gateways.Count;
        Gateways.Add(Own(await ServiceProcess.StartAsync($"realtime-gateway-{instance}", "Roomcast.RealtimeGateway", FreePort.Next(),
            Merge(_gatewayBase ?? throw new InvalidOperationException("The stack has not started."), new()
            {
                ["Gateway__InstanceId"] = $"e2e-{Guid.NewGuid():N}",
            }, GatewaySettingsOf(instance)))));
        return instance;
    }

    public async Task DisposeAsync()
    {
        // Processes first, then the databases and virtual host they were using. xunit disposes a
        // fixture whose initialisation failed too, so this releases only what was started.
        for (var index = _owned.Count - 1; index >= 0; index--)
        {
            await _owned[index].DisposeAsync();
        }

        _owned.Clear();

        if (_seedFile is not null)
        {
            File.Delete(_seedFile);
            _seedFile = null;
        }
    }

    /// <summary>An access token of a demo user, logged in once per stack (tokens outlive any test).</summary>
    public Task<string> LoginAsync(Guid user) => _tokens.GetOrAdd(user, LoginAnewAsync);

    /// <summary>
    /// identity settings a test class changes; by default the per-client login limit is lifted,
    /// since every test logs in from the same address.
    /// </summary>
    protected virtual Dictionary<string, string> IdentitySettings => new() { ["Identity__LoginRateLimit"] = "100000" };

    /// <summary>How many gateway instances the stack runs.</summary>
    protected virtual int GatewayCount => 1;

    /// <summary>Settings of every gateway instance (e.g. the Redis backplane).</summary>
    protected virtual Dictionary<string, string> GatewaySettings => [];

    /// <summary>Settings of gateway instance <paramref name="instance"/> (0 starts first); <see cref="GatewaySettings"/> unless a stack sets them apart.</summary>
    protected virtual Dictionary<string, string> GatewaySettingsOf(int instance) => GatewaySettings;

    /// <summary>Settings of documents-api and the gateway, the services that validate identity's tokens.</summary>
    protected virtual Dictionary<string, string> ValidatorSettings => [];

    /// <summary>Settings of documents-api alone a test class changes (its limits, its bus through a forwarder); they override the stack's.</summary>
    protected virtual Dictionary<string, string> DocumentsSettings => [];

    /// <summary>Where the gateways ask documents-api who may join a root room (a test may put a proxy there).</summary>
    protected virtual Task<string> GatewayDocumentsApiUrlAsync(string documentsApiUrl) => Task.FromResult(documentsApiUrl);

    private async Task<string> LoginAnewAsync(Guid user)
    {
        using var http = new HttpClient { BaseAddress = Identity.BaseAddress };
        using var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { username = World.UsernameOf(user), password = DemoWorld.Password });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<LoginBody>();
        return body!.AccessToken;
    }

    public async Task<HubConnection> ConnectAsync(string? accessToken, int gateway = 0)
    {
        var connection = TestHubConnections.Build(HubUrlOf(gateway), accessToken);
        await connection.StartAsync();
        return connection;
    }

    public HttpClient DocumentsClient(string? accessToken)
    {
        var http = new HttpClient { BaseAddress = Documents.BaseAddress };
        if (accessToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return http;
    }

    private T Own<T>(T resource) where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <summary>One dictionary of settings; a later part overrides an earlier one.</summary>
    private static Dictionary<string, string> Merge(params Dictionary<string, string>[] parts)
    {
        var merged = new Dictionary<string, string>();
        foreach (var (key, value) in parts.SelectMany(part => part))
        {
            merged[key] = value;
        }

        return merged;
    }

    private sealed record LoginBody(string AccessToken, int ExpiresIn);
}
