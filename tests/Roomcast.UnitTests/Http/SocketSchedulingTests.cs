using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Http;

public sealed class SocketSchedulingTests
{
    [Fact]
    public void KestrelSchedulesInlineByDefault() =>
        TransportOf([]).UnsafePreferInlineScheduling.ShouldBeTrue();

    [Fact]
    public void TheSettingTurnsInlineSchedulingOff() =>
        TransportOf(new() { ["Sockets:InlineScheduling"] = "false" }).UnsafePreferInlineScheduling.ShouldBeFalse();

    private static SocketTransportOptions TransportOf(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
    }
}
