using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Roomcast.Gateway.Tests.Infrastructure;

/// <summary>
/// A redis-server of the test's own on a free loopback port, for tests that stall, stop or restart the
/// server and so must not share it. Stopped by its pid (SIGKILL, like a crash); started again on the same
/// port, empty, or with everything it had acknowledged when it keeps its data, or from a snapshot the
/// test took (<see cref="SaveSnapshotAsync"/>, <see cref="RestartFromSnapshotAsync"/>).
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    // Used by the gateway and the end-to-end suites alike, so it carries its own patience.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string? _password;
    private readonly bool _keepsData;
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("roomcast-redis-");
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServerProcess(int port, string? password, bool keepsData)
    {
        Port = port;
        _password = password;
        _keepsData = keepsData;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <param name="keepsData">Writes every change to an append-only file before answering, so a restart after a kill keeps everything acknowledged.</param>
    public static async Task<RedisServerProcess> StartAsync(string? password = null, bool keepsData = false)
    {
        var server = new RedisServerProcess(FreePort(), password, keepsData);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) and returns once it logs that it accepts connections.</summary>
    public Task StartAgainAsync() => StartAsync(fromSnapshot: false);

    private async Task StartAsync(bool fromSnapshot)
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("The server is running already.");
        }
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", _directory.FullName, "--save", "", "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }
        // A server with its append-only file on loads only that file, so one restarting from a snapshot
        // starts with it off and turns it on once the snapshot is loaded.
        var persistence = _keepsData && !fromSnapshot
            ? ["--appendonly", "yes", "--appendfsync", "always"]
            : new[] { "--appendonly", "no" };
        foreach (var argument in persistence)
        {
            start.ArgumentList.Add(argument);
        }
        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler collect = (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }
            lock (_output)
            {
                _output.AppendLine(line.Data);
            }
            if (line.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server exited during startup:\n{Output}"));
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException("redis-server is not installed; scripts/test.sh (scripts/stack.sh) installs it.", exception);
        }
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"redis-server on port {Port} was not ready within {Patience.TotalSeconds} s:\n{Output}");
        }
    }

    /// <summary>SIGKILL by pid, and waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("The server is not running.");
        _process = null;
        process.Kill();
        await process.WaitForExitAsync().WaitAsync(Patience);
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await KillAsync();
        }
        _directory.Delete(recursive: true);
    }

    /// <summary>Writes the data set to disk now and keeps that file as snapshot <paramref name="name"/>.</summary>
    public async Task SaveSnapshotAsync(string name)
    {
        await using (var admin = await ConnectAdminAsync())
        {
            // SAVE rather than BGSAVE: the file is complete when the reply comes.
            await admin.GetDatabase().ExecuteAsync("SAVE");
        }
        File.Copy(DumpFile, SnapshotFile(name), overwrite: true);
    }

    /// <summary>
    /// Kills the server and starts it again from snapshot <paramref name="name"/>, as a Redis restored
    /// from an older backup, or a replica promoted before it had the latest writes, comes back.
    /// </summary>
    public async Task RestartFromSnapshotAsync(string name)
    {
        if (_process is not null)
        {
            await KillAsync();
        }
        var appendOnly = Path.Combine(_directory.FullName, "appendonlydir");
        if (Directory.Exists(appendOnly))
        {
            Directory.Delete(appendOnly, recursive: true);
        }
        File.Copy(SnapshotFile(name), DumpFile, overwrite: true);
        await StartAsync(fromSnapshot: true);
        if (_keepsData)
        {
            await using var admin = await ConnectAdminAsync();
            await admin.GetDatabase().ExecuteAsync("CONFIG", "SET", "appendonly", "yes");
        }
    }

    private Task<StackExchange.Redis.ConnectionMultiplexer> ConnectAdminAsync() =>
        StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{Endpoint},allowAdmin=true{(_password is null ? "" : $",password={_password}")}");

    private string DumpFile => Path.Combine(_directory.FullName, "dump.rdb");

    private string SnapshotFile(string name) => Path.Combine(_directory.FullName, $"snapshot-{name}.rdb");

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A free port below the kernel's ephemeral range, so no outgoing connection takes it before the server binds it again.</summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                probe.Stop();
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
            }
        }
    }
}
