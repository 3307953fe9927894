using System.Net.Http.Headers;
using System.Text;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>A fresh RabbitMQ virtual host for one test class (through the management API), deleted afterwards.</summary>
public sealed class IsolatedVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _management;

    private IsolatedVirtualHost(HttpClient management, string name)
    {
        _management = management;
        Name = name;
    }

    public string Name { get; }

    public static async Task<IsolatedVirtualHost> CreateAsync(TestStackSettings stack)
    {
        var management = new HttpClient { BaseAddress = new Uri($"http://{stack.RabbitMqHost}:{stack.RabbitMqManagementPort}/api/") };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stack.RabbitMqUser}:{stack.RabbitMqPassword}")));
        var name = $"e2e-{Guid.NewGuid():N}";
        (await management.PutAsync($"vhosts/{name}", null)).EnsureSuccessStatusCode();
        using var permissions = new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json");
        (await management.PutAsync($"permissions/{name}/{Uri.EscapeDataString(stack.RabbitMqUser)}", permissions)).EnsureSuccessStatusCode();
        return new IsolatedVirtualHost(management, name);
    }

    public async ValueTask DisposeAsync()
    {
        using var _ = _management;
        (await _management.DeleteAsync($"vhosts/{Name}")).EnsureSuccessStatusCode();
    }
}
