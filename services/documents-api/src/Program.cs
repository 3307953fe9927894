using Roomcast.DocumentsApi;
using Roomcast.DocumentsApi.Messaging;
using Roomcast.DocumentsApi.Projection;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults;
using Roomcast.ServiceDefaults.Messaging;

// appsettings.json is read beside the assembly, whatever the working directory the service is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddServiceDefaults();
builder.AddRoomcastJwtValidation();
builder.AddRoomcastPostgres();
builder.AddRoomcastMessageBus(
    bus => bus.AddProjectionConsumers(),
    (context, rabbit) => rabbit.ConfigureProjectionEndpoint(context));
builder.AddDocumentsServices();

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();
// After the token is checked: the limits are per user.
app.UseRateLimiter();
// After the limits: they refuse a flood before it costs a database round trip per request.
app.UseProjectedSessionCheck();
app.MapServiceDefaults();
app.MapDocumentsApi();

await app.PrepareDocumentsAsync();
await app.RunAsync();
