using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Gateway;
using Roomcast.EndToEndTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Clients;

/// <summary>
/// @roomcast/client in Node 20 against the real services, one script per scenario under
/// <c>clients/roomcast-client/e2e/</c>. identity issues 5-second access tokens here, so the client
/// refreshes through identity on every connect and is closed for expired tokens along the way.
/// </summary>
public sealed class NodeClientTests(ShortTokenStack stack, ITestOutputHelper log) : IClassFixture<ShortTokenStack>
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The reader is cut off by this test (a forwarder in front of the gateway is severed) while five edits happen.</summary>
    [Fact]
    public async Task AClientCutOffWhileEditsHappenResumesEachOnceInOrderWithoutAReload()
    {
        await using var link = LoopbackForwarder.Start($"127.0.0.1:{stack.Gateway.BaseAddress.Port}", TimeSpan.FromMinutes(3));
        await using var script = Start("resume-after-disconnect.mjs", new()
        {
            ["ROOMCAST_HUB_URL"] = $"http://{link.Endpoint}{ClientMethods.HubPath}",
            ["ROOMCAST_DIRECT_HUB_URL"] = stack.HubUrl.ToString(),
        });

        await script.WaitForLineAsync("step: cut-me", StepTimeout);
        link.Sever();
        await script.SendLineAsync("cut");
        await script.WaitForLineAsync("step: restore-me", StepTimeout);
        link.Restore();
        await script.SendLineAsync("restored");

        await script.ShouldSucceedAsync(StepTimeout);
    }

    [Fact]
    public async Task AClientClosedForItsExpiredTokenRefreshesItReconnectsAndResumes()
    {
        await using var script = Start("token-expiry.mjs", new() { ["ROOMCAST_HUB_URL"] = stack.HubUrl.ToString() });

        await script.ShouldSucceedAsync(StepTimeout);
    }

    private NodeScript Start(string script, Dictionary<string, string> settings)
    {
        NodeScript.RequireBuiltClients();
        var world = stack.World;
        return NodeScript.Start($"clients/roomcast-client/e2e/{script}", new Dictionary<string, string>(settings)
        {
            ["ROOMCAST_IDENTITY_URL"] = stack.Identity.BaseAddress.ToString(),
            ["ROOMCAST_DOCUMENTS_URL"] = stack.Documents.BaseAddress.ToString(),
            ["ROOMCAST_PASSWORD"] = DemoWorld.Password,
            ["ROOMCAST_READER"] = world.UsernameOf(world.Carol),
            ["ROOMCAST_WRITER"] = world.UsernameOf(world.Bob),
            ["ROOMCAST_DOCUMENT"] = world.PlanDocument.ToString(),
        }, log);
    }
}
