using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Roomcast.Contracts.Events;
using Roomcast.DocumentsApi.Demo;
using System.Text.Json.Serialization;
using Roomcast.DocumentsApi.Documents;
using Roomcast.DocumentsApi.Events;
using Roomcast.DocumentsApi.Http;
using Roomcast.DocumentsApi.Messaging;
using Roomcast.DocumentsApi.Permissions;
using Roomcast.DocumentsApi.Projection;
using Roomcast.DocumentsApi.Reconciliation;
using Roomcast.DocumentsApi.Roots;
using Roomcast.Outbox;
using Roomcast.Outbox.EventLog;
using Roomcast.Postgres;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Messaging.DeadLetters;

namespace Roomcast.DocumentsApi;

internal static class DocumentsServices
{
    public static void AddDocumentsServices(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<DocumentsOptions>(DocumentsOptions.Section);
        builder.Services.AddOptions<DemoSeedOptions>().Bind(builder.Configuration.GetSection(DemoSeedOptions.Section));
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<DocumentsOptions>>((kestrel, documents) =>
                kestrel.Limits.MaxRequestBodySize = documents.Value.MaxRequestBodyBytes);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddRequestLimits();
        builder.AddRoomcastOutbox(events => events
            .Add<DocumentChanged>(RecordTypes.Document)
            .Add<RecordCreated>()
            .Add<RecordChanged>()
            .Add<RecordDeleted>());
        builder.Services.AddSingleton<ChangeScopes>();
        builder.Services.AddSingleton<RootCommands>();
        builder.Services.AddSingleton<PermissionCommands>();
        builder.Services.AddSingleton<DocumentCommands>();
        // Access levels are RW / RO / None on the wire, never numbers.
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddSingleton<DemoDataSeeder>();
        builder.Services.AddSingleton<MembershipProjectionStore>();
        builder.Services.AddSingleton<RememberedCallers>();
        builder.Services.AddHostedService<CallerChangeListener>();
        builder.Services.AddSingleton<ReconciliationStore>();
        builder.Services.AddSingleton<MembershipDriftMetrics>();
        builder.Services.AddSingleton<MembershipReconciliation>();
        builder.Services.AddSingleton<MembershipSnapshotRequests>();
        builder.Services.AddDeadLetterQueue(ProjectionSetup.QueueName);
    }

    /// <summary>The REST API under <c>/api/v1</c>; every route needs a signed-in user.</summary>
    public static void MapDocumentsApi(this WebApplication app)
    {
        app.MapGroup("/api/v1").RequireAuthorization()
            .MapRoots()
            .MapPermissions()
            .MapDocuments()
            .MapReconciliation();
        app.MapEventLog("documents-api");
        app.MapDeadLetters("documents-api");
    }

    /// <summary>Schema and demo data, before the first request is served.</summary>
    public static async Task PrepareDocumentsAsync(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        await app.Services.GetRequiredService<MigrationRunner>().ApplyAsync([typeof(DocumentsServices).Assembly, typeof(OutboxRelay).Assembly], stopping);
        await app.Services.GetRequiredService<DemoDataSeeder>().SeedAsync(stopping);
    }
}
