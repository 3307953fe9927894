using Roomcast.Contracts.Client;
using Roomcast.RealtimeGateway;
using Roomcast.RealtimeGateway.Hubs;
using Roomcast.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRoomcastJwtValidation();
builder.AddGatewayServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseWebSockets();
app.UseAuthentication();
app.UseAuthorization();
app.MapServiceDefaults();
app.MapHub<NotificationsHub>(ClientMethods.HubPath);

await app.RunAsync();
