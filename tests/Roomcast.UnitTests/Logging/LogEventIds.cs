using System.Reflection;
using Microsoft.Extensions.Logging;
using Roomcast.ServiceDefaults.Logging;
using Shouldly;

namespace Roomcast.UnitTests.Logging;

/// <summary>
/// A log event id names one event in a service's logs (filters and alerts key on it): no two
/// <c>[LoggerMessage]</c> methods a service runs — its own and those of the shared libraries it loads —
/// share one, each names it explicitly, and each is named in its table (the service's, or the shared
/// libraries' <see cref="SharedLogEvents"/>). Linked into the gateway's test project too.
/// </summary>
internal static class LogEventIds
{
    public static void ShouldBeDistinctAndNamed(Assembly service, string tableName, params Assembly[] sharedLibraries)
    {
        var events = new[] { service }.Concat(sharedLibraries).SelectMany(LogEventsOf).ToList();
        events.ShouldNotBeEmpty();
        events.Where(logEvent => logEvent.Id < 0).Select(logEvent => logEvent.Method)
            .ShouldBeEmpty("these log events name no id (the generator would make one up from a hash)");
        var shared = events.GroupBy(logEvent => logEvent.Id).Where(group => group.Count() > 1)
            .Select(group => $"{group.Key}: {string.Join(", ", group.Select(logEvent => logEvent.Method))}").ToList();
        shared.ShouldBeEmpty("log event ids shared by more than one event");

        var table = service.GetType(tableName);
        table.ShouldNotBeNull($"{service.GetName().Name} names its log event ids in {tableName}");
        var named = IdsOf(table);
        named.ShouldBeUnique($"two names of {tableName} stand for one id");
        var sharedNamed = IdsOf(typeof(SharedLogEvents));
        sharedNamed.ShouldBeUnique("two names of SharedLogEvents stand for one id");
        LogEventsOf(service).Where(logEvent => !named.Contains(logEvent.Id)).Select(logEvent => logEvent.Method)
            .ShouldBeEmpty($"log events whose id {tableName} does not name");
        sharedLibraries.SelectMany(LogEventsOf).Where(logEvent => !sharedNamed.Contains(logEvent.Id)).Select(logEvent => logEvent.Method)
            .ShouldBeEmpty("log events of the shared libraries whose id SharedLogEvents does not name");
    }

    private static List<int> IdsOf(Type table) =>
        [.. table.GetFields(BindingFlags.Public | BindingFlags.Static).Where(field => field.IsLiteral).Select(field => (int)field.GetRawConstantValue()!)];

    private static IEnumerable<(int Id, string Method)> LogEventsOf(Assembly assembly) =>
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (attribute.EventId, $"{assembly.GetName().Name}:{type.Name}.{method.Name}");
}
