using Roomcast.Identity;
using Roomcast.Identity.Accounts;
using Roomcast.Identity.Tokens;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRoomcastPostgres();
builder.AddIdentityServices();

var app = builder.Build();

app.UseServiceDefaults();
app.MapServiceDefaults();
app.MapDiscovery();
app.MapAuthApi();

await app.PrepareIdentityAsync();
await app.RunAsync();
