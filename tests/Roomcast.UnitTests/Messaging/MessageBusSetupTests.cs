using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Messaging;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Messaging;

public sealed class MessageBusSetupTests
{
    [Fact]
    public void TheBusReportsNoUsageDataToMassTransitsVendor()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddRoomcastMessageBus();
        using var services = builder.Services.BuildServiceProvider();

        services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled.ShouldBe(false);
    }
}
