using System.Runtime.InteropServices;

namespace Roomcast.RealtimeGateway.Drain;

/// <summary>
/// The host's lifetime in place of the console one: SIGTERM (what an orchestrator sends) drains first
/// (<see cref="GatewayDrain"/>), which stops the host when done; SIGINT and SIGQUIT stop it at once, as
/// before. The drain must come before <see cref="IHostApplicationLifetime.ApplicationStopping"/>: from
/// there on the host stops the server, SignalR's connections and the bus, and nothing could hand over.
/// </summary>
internal sealed class DrainingLifetime(GatewayDrain drain, IHostApplicationLifetime lifetime) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _signals = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnStop));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }
    }

    private void OnTerminate(PosixSignalContext context)
    {
        // Handled here: the runtime does not end the process; the drain stops the host when it is done.
        context.Cancel = true;
        drain.Begin();
    }

    private void OnStop(PosixSignalContext context)
    {
        context.Cancel = true;
        lifetime.StopApplication();
    }
}
