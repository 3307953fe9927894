using System.Collections.Concurrent;
using System.Diagnostics;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// One Roomcast service started as a real process (<c>dotnet Roomcast.X.dll</c>) on a loopback port,
/// ready once its <c>/health/ready</c> answers 200, and killed with its children on dispose.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(string name, Uri baseAddress, Process process)
    {
        Name = name;
        BaseAddress = baseAddress;
        _process = process;
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>Everything the process printed, for the failure message of a test.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    public static async Task<ServiceProcess> StartAsync(string name, string assemblyName, int port, IReadOnlyDictionary<string, string> settings)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet", [RepositoryLayout.ServiceAssembly(assemblyName)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A service given a metrics port listens there too, as the images do (ASPNETCORE_HTTP_PORTS).
        start.Environment["ASPNETCORE_URLS"] = settings.TryGetValue("Metrics__Port", out var metricsPort)
            ? $"{baseAddress};http://127.0.0.1:{metricsPort}"
            : baseAddress.ToString();
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        var service = new ServiceProcess(name, baseAddress, process);
        process.OutputDataReceived += (_, line) => service.Record(line.Data);
        process.ErrorDataReceived += (_, line) => service.Record(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilReadyAsync();
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        return service;
    }

    /// <summary>Kills the process at once, as a crash would (no graceful shutdown); <see cref="DisposeAsync"/> still cleans up after.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// Sends SIGTERM, as an orchestrator stopping the process does (a graceful stop), without waiting;
    /// <see cref="WaitForExitAsync"/> waits for it to end.
    /// </summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} exited with {kill.ExitCode}");
        }
    }

    /// <summary>Waits, at most <paramref name="within"/>, for the process to end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {within.TotalSeconds} s:{Environment.NewLine}{Output}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue($"[{Name}] {line}");
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (_process.HasExited)
            {
                // The last lines say why it stopped: wait until they are read.
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // A readiness check that hangs counts as not ready.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"{Name} was not ready within {ReadyTimeout.TotalSeconds} s:{Environment.NewLine}{Output}");
    }
}
