using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.ServiceDefaults.Http;

public static class SocketScheduling
{
    /// <summary>Applies <see cref="SocketSchedulingOptions"/> to Kestrel's socket transport.</summary>
    public static IHostApplicationBuilder AddSocketScheduling(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SocketSchedulingOptions>(SocketSchedulingOptions.Section);
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<SocketSchedulingOptions>>((transport, scheduling) =>
                transport.UnsafePreferInlineScheduling = scheduling.Value.InlineScheduling);
        return builder;
    }
}
