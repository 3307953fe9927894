using System.Reflection;
using Roomcast.DocumentsApi.Projection;
using Roomcast.Identity;
using Roomcast.Outbox;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults;
using Xunit;

namespace Roomcast.UnitTests.Logging;

/// <summary>documents-api's and identity's log event ids (<see cref="LogEventIds"/>).</summary>
public sealed class LogEventIdTests
{
    private static readonly Assembly[] SharedLibraries =
        [typeof(ServiceDefaultsExtensions).Assembly, typeof(MigrationRunner).Assembly, typeof(OutboxRelay).Assembly];

    [Fact]
    public void NoTwoLogEventsOfDocumentsApiShareAnId() =>
        LogEventIds.ShouldBeDistinctAndNamed(typeof(MembershipProjectionStore).Assembly, "Roomcast.DocumentsApi.DocumentsLogEvents", SharedLibraries);

    [Fact]
    public void NoTwoLogEventsOfIdentityShareAnId() =>
        LogEventIds.ShouldBeDistinctAndNamed(typeof(IdentityOptions).Assembly, "Roomcast.Identity.IdentityLogEvents", SharedLibraries);
}
