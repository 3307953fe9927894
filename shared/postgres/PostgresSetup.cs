using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Roomcast.ServiceDefaults.Configuration;

namespace Roomcast.Postgres;

public static class PostgresSetup
{
    /// <summary>Registers the service's <see cref="NpgsqlDataSource"/>, its readiness check and the migration runner.</summary>
    public static IHostApplicationBuilder AddRoomcastPostgres(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<PostgresOptions>(PostgresOptions.Section);
        builder.Services.AddSingleton(services =>
            NpgsqlDataSource.Create(services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        return builder;
    }
}
