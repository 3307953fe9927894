using System.Diagnostics;
using System.Text.Json;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Gateway;

/// <summary>
/// CI's seconds-long run of the load generator (tools/loadgen) against two gateways on the backplane:
/// its correctness counters must be zero. Its timings are printed, never asserted.
/// </summary>
public sealed class LoadGeneratorSmokeTests(TwoGatewayStack stack, ITestOutputHelper output) : IClassFixture<TwoGatewayStack>
{
    [Fact]
    public async Task ASmokeRunDeliversEveryUpdateToExactlyItsAudienceOnce()
    {
        var json = Path.Combine(Path.GetTempPath(), $"loadgen-smoke-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet",
        [
            RepositoryLayout.ServiceAssembly("Roomcast.LoadGen"),
            "--scenario", "smoke",
            "--identity", stack.Identity.BaseAddress.ToString(),
            "--documents", stack.Documents.BaseAddress.ToString(),
            "--gateways", string.Join(",", stack.Gateways.Select(gateway => gateway.BaseAddress.ToString())),
            "--admin", stack.World.UsernameOf(stack.World.Alice),
            "--admin-password", DemoWorld.Password,
            "--pids", string.Join(",", stack.Gateways.Select((gateway, index) => $"gateway-{index}={gateway.ProcessId}").Append($"documents-api={stack.Documents.ProcessId}")),
            "--json", json,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"the load generator did not finish within 3 minutes:{Environment.NewLine}{await stderr}");
            }
        }

        var printed = $"{await stdout}{Environment.NewLine}{await stderr}";
        output.WriteLine(printed);
        process.ExitCode.ShouldBe(0, $"{printed}{Environment.NewLine}{stack.Logs}");
        try
        {
            using var result = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var report = result.RootElement;
            report.GetProperty("updatesSent").GetInt32().ShouldBe(60);
            report.GetProperty("updatesFailed").GetInt32().ShouldBe(0, printed);
            report.GetProperty("expected").GetInt64().ShouldBe(60 * 4, "60 updates, each read by the 4 members of one group of 12 users in 3 groups");
            report.GetProperty("delivered").GetInt64().ShouldBe(report.GetProperty("expected").GetInt64(), printed);
            report.GetProperty("missing").GetInt64().ShouldBe(0, printed);
            report.GetProperty("unexpected").GetInt64().ShouldBe(0, printed);
            report.GetProperty("duplicated").GetInt64().ShouldBe(0, printed);
            report.GetProperty("services").EnumerateArray().Select(service => service.GetProperty("name").GetString())
                .ShouldBe(["gateway-0", "gateway-1", "documents-api", "generator"], printed);
        }
        finally
        {
            File.Delete(json);
        }
    }
}
