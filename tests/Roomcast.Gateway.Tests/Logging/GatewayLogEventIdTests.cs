using Roomcast.RealtimeGateway.Access;
using Roomcast.ServiceDefaults;
using Roomcast.UnitTests.Logging;
using Xunit;

namespace Roomcast.Gateway.Tests.Logging;

/// <summary>The gateway's log event ids, its own and the shared defaults' (<see cref="LogEventIds"/>).</summary>
public sealed class GatewayLogEventIdTests
{
    [Fact]
    public void NoTwoLogEventsOfTheGatewayShareAnId() =>
        LogEventIds.ShouldBeDistinctAndNamed(typeof(RootReadAccess).Assembly, "Roomcast.RealtimeGateway.GatewayLogEvents", typeof(ServiceDefaultsExtensions).Assembly);
}
