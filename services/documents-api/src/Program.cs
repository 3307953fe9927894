using Roomcast.DocumentsApi;
using Roomcast.DocumentsApi.Projection;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults;
using Roomcast.ServiceDefaults.Messaging;

var builder = WebApplication.CreateBuilder(args);

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
app.MapServiceDefaults();
app.MapDocumentsApi();

await app.PrepareDocumentsAsync();
await app.RunAsync();
