using Roomcast.Contracts.Client;
using Roomcast.EndToEndTests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Clients;

/// <summary>
/// @roomcast/client in Node 20 against the real services: the script
/// <c>clients/roomcast-client/e2e/resume-after-disconnect.mjs</c> signs in, connects, and is cut off
/// from the gateway by this test (a forwarder in between is severed) while edits happen; it must get
/// them on its own by Resume after the link is back, each once and in order, without a reload.
/// </summary>
public sealed class NodeClientTests(RoomcastStack stack, ITestOutputHelper log) : IClassFixture<RoomcastStack>
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AClientCutOffWhileEditsHappenResumesEachOnceInOrderWithoutAReload()
    {
        NodeScript.RequireBuiltClients();
        await using var link = LoopbackForwarder.Start($"127.0.0.1:{stack.Gateway.BaseAddress.Port}", TimeSpan.FromMinutes(3));
        await using var script = NodeScript.Start("clients/roomcast-client/e2e/resume-after-disconnect.mjs", new Dictionary<string, string>
        {
            ["ROOMCAST_IDENTITY_URL"] = stack.Identity.BaseAddress.ToString(),
            ["ROOMCAST_DOCUMENTS_URL"] = stack.Documents.BaseAddress.ToString(),
            ["ROOMCAST_HUB_URL"] = $"http://{link.Endpoint}{ClientMethods.HubPath}",
            ["ROOMCAST_DIRECT_HUB_URL"] = stack.HubUrl.ToString(),
            ["ROOMCAST_PASSWORD"] = DemoWorld.Password,
            ["ROOMCAST_READER"] = stack.World.UsernameOf(stack.World.Carol),
            ["ROOMCAST_WRITER"] = stack.World.UsernameOf(stack.World.Bob),
            ["ROOMCAST_DOCUMENT"] = stack.World.PlanDocument.ToString(),
        }, log);

        await script.WaitForLineAsync("step: cut-me", StepTimeout);
        link.Sever();
        await script.SendLineAsync("cut");
        await script.WaitForLineAsync("step: restore-me", StepTimeout);
        link.Restore();
        await script.SendLineAsync("restored");

        await script.ShouldSucceedAsync(StepTimeout);
    }
}
