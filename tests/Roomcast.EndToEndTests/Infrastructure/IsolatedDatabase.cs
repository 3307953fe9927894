using Npgsql;

namespace Roomcast.EndToEndTests.Infrastructure;

/// <summary>A fresh PostgreSQL database for one test class, dropped afterwards.</summary>
public sealed class IsolatedDatabase : IAsyncDisposable
{
    private readonly TestStackSettings _stack;

    private IsolatedDatabase(TestStackSettings stack, string name)
    {
        _stack = stack;
        Name = name;
    }

    public string Name { get; }

    public string ConnectionString => _stack.PostgresConnectionString(Name);

    public static async Task<IsolatedDatabase> CreateAsync(TestStackSettings stack, string purpose)
    {
        var name = $"{purpose}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(stack.PostgresConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new IsolatedDatabase(stack, name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_stack.PostgresConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
