using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Roomcast.UnitTests.Deployment;

/// <summary>
/// The configuration keys a service reads, learnt from the service itself: its own <c>Program</c>
/// runs until its host is built (nothing starts, nothing connects), with a configuration source
/// that records every key asked of it; then every options class bound from configuration is
/// resolved, so the binder asks for each of its properties. What a setting in a deployment file
/// names must be among these, or the service never sees it.
/// </summary>
internal static class ServiceSettings
{
    private static readonly ConcurrentDictionary<Assembly, IReadOnlySet<string>> Read = new();
    private static readonly AsyncLocal<Capture?> Current = new();

    /// <summary>The keys (<c>Section:Key</c>, case-insensitive) <paramref name="service"/> reads with <paramref name="switches"/> set.</summary>
    public static IReadOnlySet<string> ReadBy(Assembly service, IReadOnlyDictionary<string, string> switches) =>
        Read.GetOrAdd(service, _ => Learn(service, switches));

    private static IReadOnlySet<string> Learn(Assembly service, IReadOnlyDictionary<string, string> switches)
    {
        var capture = new Capture();
        Current.Value = capture;
        using (DiagnosticListener.AllListeners.Subscribe(capture))
        {
            var args = switches.Select(setting => $"--{setting.Key}={setting.Value}").ToArray();
            try
            {
                service.EntryPoint!.Invoke(null, [args]);
            }
            catch (TargetInvocationException stopped) when (stopped.InnerException is HostBuilt)
            {
                // The host was built: Program stops there, before it migrates, listens or connects.
            }
            finally
            {
                Current.Value = null;
            }
        }

        var host = capture.Host ?? throw new InvalidOperationException($"{service.GetName().Name} built no host.");
        using (host)
        {
            foreach (var (options, name) in BoundOptions(capture.Services!))
            {
                try
                {
                    var resolved = host.Services.GetService(typeof(IOptionsMonitor<>).MakeGenericType(options));
                    resolved!.GetType().GetMethod(nameof(IOptionsMonitor<object>.Get))!.Invoke(resolved, [name]);
                }
                catch (TargetInvocationException)
                {
                    // Validation fails without the real settings; the binder asked for every key first.
                }
            }
        }

        return capture.Keys;
    }

    /// <summary>Every (options type, name) that <c>Bind(configuration)</c> registered.</summary>
    private static IEnumerable<(Type Options, string Name)> BoundOptions(IServiceCollection services) =>
        services
            .Where(service => !service.IsKeyedService && service.ImplementationInstance is not null)
            .Select(service => service.ImplementationInstance!)
            .Where(instance => instance.GetType().IsGenericType
                && instance.GetType().GetGenericTypeDefinition() == typeof(NamedConfigureFromConfigurationOptions<>))
            .Select(instance => (instance.GetType().GetGenericArguments()[0], (string?)instance.GetType().GetProperty("Name")!.GetValue(instance) ?? Options.DefaultName))
            .Distinct();

    private sealed class HostBuilt : Exception;

    private sealed class Capture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IConfigurationSource
    {
        public HashSet<string> Keys { get; } = new(StringComparer.OrdinalIgnoreCase);

        public IServiceCollection? Services { get; private set; }

        public IHost? Host { get; private set; }

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "Microsoft.Extensions.Hosting" && Current.Value == this)
            {
                listener.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (Current.Value != this)
            {
                return;
            }

            switch (value.Key)
            {
                case "HostBuilding":
                    var builder = (IHostBuilder)value.Value!;
                    builder.ConfigureAppConfiguration(configuration => configuration.Add(this));
                    builder.ConfigureServices(services => Services = services);
                    break;
                case "HostBuilt":
                    Host = (IHost)value.Value!;
                    throw new HostBuilt();
            }
        }

        public IConfigurationProvider Build(IConfigurationBuilder builder) => new RecordingProvider(Keys);

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    /// <summary>
    /// Holds no value; added last, it is asked first for every key. It says every top-level section
    /// has a child, because the binder skips a section without any and would never ask for its keys
    /// (Roomcast binds its options to top-level sections; the framework's Logging is left as it is).
    /// </summary>
    private sealed class RecordingProvider(HashSet<string> keys) : ConfigurationProvider
    {
        private const string Probe = "roomcast-setting-probe";

        public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) =>
            parentPath is null || parentPath.Contains(':') || parentPath.Equals("Logging", StringComparison.OrdinalIgnoreCase)
                ? earlierKeys
                : earlierKeys.Append(Probe);

        public override bool TryGet(string key, out string? value)
        {
            lock (keys)
            {
                keys.Add(key);
            }

            value = null;
            return false;
        }
    }
}
