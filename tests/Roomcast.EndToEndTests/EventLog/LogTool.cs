using System.Diagnostics;
using System.Text;
using Roomcast.EndToEndTests.Infrastructure;

namespace Roomcast.EndToEndTests.EventLog;

/// <summary>
/// Runs tools/roomcast-log as a process against a stack, logged in as its admin through identity; a
/// running <c>tail -f</c> is read line by line.
/// </summary>
internal sealed class LogTool : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();

    private LogTool(Process process) => _process = process;

    public record Result(int ExitCode, string Output, string Errors);

    /// <summary>Runs <paramref name="args"/> to its end.</summary>
    public static async Task<Result> RunAsync(RoomcastStack stack, params string[] args)
    {
        await using var tool = Start(stack, args);
        var output = new StringBuilder();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await foreach (var line in tool._lines.Reader.ReadAllAsync(timeout.Token))
            {
                output.AppendLine(line);
            }

            await tool._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"roomcast-log {string.Join(" ", args)} did not finish within {Patience.TotalSeconds} s: {output}{tool._stderr}");
        }

        return new Result(tool._process.ExitCode, output.ToString(), tool.Errors);
    }

    public static LogTool Start(RoomcastStack stack, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet",
        [
            RepositoryLayout.ServiceAssembly("Roomcast.LogTool"),
            .. args,
            "--identity", stack.Identity.BaseAddress.ToString(),
            "--documents", stack.Documents.BaseAddress.ToString(),
            "--gateway", stack.Gateway.BaseAddress.ToString(),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The credentials come from the environment, as an operator's would.
        start.Environment["ROOMCAST_ADMIN_USER"] = stack.World.UsernameOf(stack.World.Alice);
        start.Environment["ROOMCAST_ADMIN_PASSWORD"] = DemoWorld.Password;
        var process = new Process { StartInfo = start };
        var tool = new LogTool(process);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                tool._lines.Writer.TryComplete();
            }
            else
            {
                tool._lines.Writer.TryWrite(line.Data);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            lock (tool._stderr)
            {
                tool._stderr.AppendLine(line.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tool;
    }

    public string Errors
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The next line the running tool prints on stdout; fails after a bounded wait.</summary>
    public async Task<string> NextLineAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await _lines.Reader.ReadAsync(timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            throw new TimeoutException($"roomcast-log printed no line within {Patience.TotalSeconds} s (exited: {_process.HasExited}): {Errors}");
        }
    }

    /// <summary>Waits until the tool says on stderr that it follows the logs.</summary>
    public Task FollowingAsync() => Poll.UntilAsync(() => Task.FromResult(Errors.Contains("Following", StringComparison.Ordinal)), "roomcast-log following the logs", Patience, () => Errors);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
