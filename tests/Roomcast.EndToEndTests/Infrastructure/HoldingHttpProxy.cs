using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of one service that records every answer it passes on and can
/// hold one: <see cref="HoldNext"/> lets the next matching request reach the service, keeps the answer
/// the service gave, and passes it on only at <see cref="HeldAnswer.Release"/>. So a test can let a
/// service answer, change the world, and only then let the caller act on the answer it got.
/// </summary>
public sealed class HoldingHttpProxy : IAsyncDisposable
{
    private static readonly string[] SkippedRequestHeaders = ["Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection"];
    private readonly WebApplication _app;
    private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly ConcurrentQueue<HeldAnswer> _holds = new();
    private readonly List<ProxiedAnswer> _answers = [];

    private HoldingHttpProxy(WebApplication app) => _app = app;

    /// <summary>Where the service is: set before the first request (the service's port may be chosen after the proxy starts).</summary>
    public Uri? Target { get; set; }

    /// <summary>Where to send requests instead of the service.</summary>
    public string Url { get; private set; } = "";

    public static async Task<HoldingHttpProxy> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var proxy = new HoldingHttpProxy(app);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return proxy;
    }

    /// <summary>Holds the service's answer to the next request whose path is <paramref name="path"/>.</summary>
    public HeldAnswer HoldNext(string path)
    {
        var hold = new HeldAnswer(path);
        _holds.Enqueue(hold);
        return hold;
    }

    /// <summary>Every answer passed on so far, in order.</summary>
    public IReadOnlyList<ProxiedAnswer> Answers
    {
        get
        {
            lock (_answers)
            {
                return [.. _answers];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hold in _holds)
        {
            hold.Release();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _forward.Dispose();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var target = Target ?? throw new InvalidOperationException("The proxy was asked before its target was set.");
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, context.Request.Path + context.Request.QueryString));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } contentType)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (!SkippedRequestHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _forward.SendAsync(request, context.RequestAborted);
        var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        var path = context.Request.Path.Value ?? "";
        var hold = TakeHold(path);
        if (hold is not null)
        {
            hold.Answered((int)response.StatusCode);
            await hold.Released;
        }

        lock (_answers)
        {
            _answers.Add(new ProxiedAnswer(path, (int)response.StatusCode, request.Headers.TryGetValues("Roomcast-After-Membership", out var after) ? string.Join(",", after) : null));
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private HeldAnswer? TakeHold(string path)
    {
        lock (_holds)
        {
            if (_holds.TryPeek(out var next) && next.Path == path)
            {
                _holds.TryDequeue(out _);
                return next;
            }

            return null;
        }
    }
}

/// <summary>One answer a <see cref="HoldingHttpProxy"/> passed on: the request's path, the status, and the request's <c>Roomcast-After-Membership</c> header.</summary>
public sealed record ProxiedAnswer(string Path, int Status, string? AfterMembership);

/// <summary>An answer the proxy holds: <see cref="Arrived"/> completes with its status once the service gave it.</summary>
public sealed class HeldAnswer(string path)
{
    private readonly TaskCompletionSource<int> _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Path { get; } = path;

    /// <summary>The status the service answered, once it did (the caller has not got it yet).</summary>
    public Task<int> Arrived => _arrived.Task;

    internal Task Released => _released.Task;

    /// <summary>Passes the held answer on to the caller.</summary>
    public void Release() => _released.TrySetResult();

    internal void Answered(int status) => _arrived.TrySetResult(status);
}
