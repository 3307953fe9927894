using System.ComponentModel.DataAnnotations;

namespace Roomcast.Postgres;

/// <summary>Section <c>Postgres</c>: the service's own database.</summary>
public sealed class PostgresOptions
{
    public const string Section = "Postgres";

    [Required]
    public string ConnectionString { get; set; } = "";
}
