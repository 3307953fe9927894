using Roomcast.Identity;
using Roomcast.Identity.ClientAddresses;
using Roomcast.Identity.MembershipSnapshots;
using Roomcast.Identity.Tokens;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults;
using Roomcast.ServiceDefaults.Messaging;

// appsettings.json is read beside the assembly, whatever the working directory the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddServiceDefaults();
builder.AddRoomcastPostgres();
builder.AddRoomcastMessageBus(
    bus => bus.AddMembershipSnapshotConsumers(),
    (context, rabbit) => rabbit.ConfigureMembershipSnapshotEndpoint(context));
builder.AddIdentityServices();

var app = builder.Build();

app.UseTrustedProxies();
app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapServiceDefaults();
app.MapDiscovery();
app.MapIdentityApi();

await app.PrepareIdentityAsync();
await app.RunAsync();
