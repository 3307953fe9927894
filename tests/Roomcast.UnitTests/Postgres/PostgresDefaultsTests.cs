using Npgsql;
using Roomcast.Postgres;
using Shouldly;
using Xunit;

namespace Roomcast.UnitTests.Postgres;

/// <summary>The services' data source defaults: applied where the connection string is silent, never over what it says.</summary>
public sealed class PostgresDefaultsTests
{
    private const string Given = "Host=127.0.0.1;Port=5432;Username=roomcast;Database=roomcast";

    [Fact]
    public void ASilentConnectionStringGetsOurPoolSizeAutoPrepareAndNoReset()
    {
        var settings = SettingsOf(Given);

        settings.MaxPoolSize.ShouldBe(PostgresSetup.DefaultMaxPoolSize);
        settings.MaxAutoPrepare.ShouldBe(64);
        settings.NoResetOnClose.ShouldBeTrue();
    }

    [Theory]
    [InlineData("Maximum Pool Size=30", 30)]
    [InlineData("MaxPoolSize=30", 30)]
    [InlineData("maximum pool size=100", 100)]
    public void APoolSizeTheConnectionStringSetsIsKept(string setting, int expected)
    {
        SettingsOf($"{Given};{setting}").MaxPoolSize.ShouldBe(expected);
    }

    private static NpgsqlConnectionStringBuilder SettingsOf(string connectionString)
    {
        using var dataSource = PostgresSetup.CreateDataSource(connectionString);
        return new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
    }
}
