using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Roomcast.EndToEndTests.Infrastructure;
using Shouldly;
using Xunit.Abstractions;

namespace Roomcast.EndToEndTests.Clients;

/// <summary>
/// A Node script run as its own process (<c>node script.mjs</c>) with settings in its environment:
/// every line it prints goes to the test's output as it comes, a test can wait for a line and write
/// lines to its standard input (to step it through a scenario), and it is killed when its time is up
/// or the test ends. <see cref="RequireBuiltClients"/> says what to run when the clients are not built.
/// </summary>
public sealed class NodeScript : IAsyncDisposable
{
    /// <summary>The commands that install and build the clients, as scripts/test.sh runs them.</summary>
    public const string BuildCommand = "npm ci --prefix clients && npm run build --prefix clients";

    private readonly Process _process;
    private readonly string _name;
    private readonly ITestOutputHelper? _log;
    private readonly StringBuilder _output = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _streamsOpen = 2;

    private NodeScript(Process process, string name, ITestOutputHelper? log)
    {
        _process = process;
        _name = name;
        _log = log;
    }

    /// <summary>Everything the script printed so far (standard output and error, in order of arrival).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Fails with the command to run when the clients' packages are not installed or <c>@roomcast/client</c>
    /// is not built (its <c>dist/</c>), instead of a script failing on a missing module.
    /// </summary>
    public static void RequireBuiltClients()
    {
        var clients = Path.Combine(RepositoryLayout.Root, "clients");
        var missing = new[]
            {
                Path.Combine(clients, "node_modules", "@microsoft", "signalr", "package.json"),
                Path.Combine(clients, "roomcast-client", "dist", "index.js"),
            }
            .Where(path => !File.Exists(path)).ToList();
        missing.ShouldBeEmpty($"The clients are not installed and built; run `{BuildCommand}` at the repository root (scripts/test.sh does) before these tests.");
    }

    /// <summary>Starts <c>node {script}</c> (a path under the repository root) in the script's folder.</summary>
    public static NodeScript Start(string script, IReadOnlyDictionary<string, string> environment, ITestOutputHelper? log = null)
    {
        var path = Path.Combine(RepositoryLayout.Root, script);
        File.Exists(path).ShouldBeTrue($"No Node script at {path}.");
        var start = new ProcessStartInfo("node", [path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(path)!,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeScript(process, Path.GetFileName(script), log);
        process.OutputDataReceived += (_, line) => node.Record(line.Data, "");
        process.ErrorDataReceived += (_, line) => node.Record(line.Data, "stderr: ");
        process.Start().ShouldBeTrue($"Could not start node {path}.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Runs a script to its end within <paramref name="timeout"/> and asserts it exited with 0.</summary>
    public static async Task RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, ITestOutputHelper? log = null)
    {
        await using var node = Start(script, environment, log);
        await node.ShouldSucceedAsync(timeout);
    }

    /// <summary>Waits for the next line (from standard output) that starts with <paramref name="prefix"/>; fails when the script ends first or the time is up.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(deadline.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{_name} printed no line starting with '{prefix}' within {timeout.TotalSeconds:F0} s. Its output:{Environment.NewLine}{Output}");
        }

        throw new InvalidOperationException($"{_name} ended (exit code {_process.ExitCode}) before it printed a line starting with '{prefix}'. Its output:{Environment.NewLine}{Output}");
    }

    /// <summary>Writes a line to the script's standard input.</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the script to end within <paramref name="timeout"/> (killing it if it does not) and asserts its exit code is 0.</summary>
    public async Task ShouldSucceedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _exited.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{_name} did not end within {timeout.TotalSeconds:F0} s and was killed. Its output:{Environment.NewLine}{Output}");
        }

        await _process.WaitForExitAsync();
        _process.ExitCode.ShouldBe(0, $"{_name} failed. Its output:{Environment.NewLine}{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Ended meanwhile.
        }
    }

    private void Record(string? line, string stream)
    {
        if (line is null)
        {
            // Both streams closed: the script has ended and everything it printed was recorded.
            if (Interlocked.Decrement(ref _streamsOpen) == 0)
            {
                _lines.Writer.TryComplete();
                _exited.TrySetResult();
            }
            return;
        }

        lock (_output)
        {
            _output.AppendLine(stream + line);
        }
        if (stream.Length == 0)
        {
            _lines.Writer.TryWrite(line);
        }
        try
        {
            _log?.WriteLine($"[{_name}] {stream}{line}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended; the line stays in Output.
        }
    }
}
