using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Roomcast.ServiceDefaults.Configuration;
using Roomcast.ServiceDefaults.Health;

namespace Roomcast.Postgres;

public static class PostgresSetup
{
    /// <summary>The pool's size when the connection string does not set <c>Maximum Pool Size</c>.</summary>
    public const int DefaultMaxPoolSize = 8;

    /// <summary>Registers the service's <see cref="NpgsqlDataSource"/>, its readiness check and the migration runner.</summary>
    public static IHostApplicationBuilder AddRoomcastPostgres(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<PostgresOptions>(PostgresOptions.Section);
        builder.Services.AddSingleton(services =>
            CreateDataSource(services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: [HealthTags.Ready]);
        return builder;
    }

    /// <summary>A data source for <paramref name="connectionString"/> with our defaults (<see cref="WithDefaults"/>): the one the services use.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString) => NpgsqlDataSource.Create(WithDefaults(connectionString));

    /// <summary>
    /// Our defaults for what the connection string leaves unsaid. The services send the same few
    /// statements over and over, so they are prepared on each connection after their second use
    /// (PostgreSQL then skips parsing and planning them, a large part of its CPU per request). A
    /// connection string that sets a non-zero <c>Max Auto Prepare</c> itself is left as it is.
    /// A connection going back to the pool is not reset either: the reset is seven more statements
    /// parsed and run at the start of the next request (about a tenth of PostgreSQL's statement time
    /// per document update), and no code of ours leaves session state behind (the outbox relay undoes its
    /// LISTEN and its session lock before its connections go back). <c>No Reset On Close</c> in the
    /// connection string is left as it is. The pool holds at most <see cref="DefaultMaxPoolSize"/>
    /// connections unless the connection string says otherwise: a PostgreSQL backend is a process, and
    /// more of them than the database's cores can run only take turns — with Npgsql's default of 100,
    /// a burst leaves dozens of backends that later requests rotate through (scheduling measurements in
    /// BENCHMARKS.md, outbox section). Each request of ours holds one connection at a time.
    /// </summary>
    private static string WithDefaults(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            settings.NoResetOnClose = true;
        }

        if (!new[] { "Maximum Pool Size", "MaxPoolSize" }.Any(given.ContainsKey))
        {
            settings.MaxPoolSize = DefaultMaxPoolSize;
        }

        return settings.ConnectionString;
    }
}
