using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway;
using Roomcast.RealtimeGateway.Drain;
using Roomcast.RealtimeGateway.EventTrace;
using Roomcast.RealtimeGateway.Hubs;
using Roomcast.RealtimeGateway.Replay;
using Roomcast.ServiceDefaults;
using Roomcast.ServiceDefaults.Messaging.DeadLetters;

// appsettings.json is read beside the assembly, whatever the working directory the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddServiceDefaults();
builder.AddRoomcastJwtValidation();
builder.AddGatewayServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseDrainRefusal();
app.UseWebSockets();
app.UseAuthentication();
app.UseAuthorization();
app.MapServiceDefaults();
app.MapHub<NotificationsHub>(ClientMethods.HubPath);
app.MapEventTrace();
app.MapReplays();
app.MapDeadLetters("realtime-gateway");

await app.RunAsync();
