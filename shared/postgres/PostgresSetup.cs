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
            NpgsqlDataSource.Create(WithDefaults(services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString)));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Our defaults for what the connection string leaves unsaid. The services send the same few
    /// statements over and over, so they are prepared on each connection after their second use
    /// (PostgreSQL then skips parsing and planning them, a large part of its CPU per request). A
    /// connection string that sets a non-zero <c>Max Auto Prepare</c> itself is left as it is.
    /// </summary>
    private static string WithDefaults(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        return settings.ConnectionString;
    }
}
