using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;

namespace Roomcast.EndToEndTests;

/// <summary>
/// The runtime settings every service is built with (Directory.Build.props), read from the
/// <c>runtimeconfig.json</c> beside the assemblies these tests start: what the benchmarks measured is
/// what ships. The Web SDK alone would pick Server GC, which holds 3.5 KiB more per idle gateway
/// connection (BENCHMARKS.md, "Which GC the services run").
/// </summary>
public sealed class ServiceRuntimeSettingsTests
{
    [Theory]
    [InlineData("Roomcast.Identity")]
    [InlineData("Roomcast.DocumentsApi")]
    [InlineData("Roomcast.RealtimeGateway")]
    public void AServiceRunsWorkstationGcAndIdleWorkersDoNotSpin(string service)
    {
        var settings = ConfigProperties(service);

        settings.TryGetProperty("System.GC.Server", out var serverGc).ShouldBeTrue($"{service} does not say which GC it runs");
        serverGc.GetBoolean().ShouldBeFalse();
        settings.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().ShouldBe(0);
    }

    private static JsonElement ConfigProperties(string service)
    {
        var path = Path.ChangeExtension(RepositoryLayout.ServiceAssembly(service), ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
