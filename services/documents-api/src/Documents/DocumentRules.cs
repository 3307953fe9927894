using System.Text.Json;
using System.Text.RegularExpressions;

namespace Roomcast.DocumentsApi.Documents;

/// <summary>The values a document may have; each check returns a message or null.</summary>
internal static partial class DocumentRules
{
    public const int MaxPageSize = 200;

    /// <summary>The last page a list may ask for: far beyond any root, and its offset always fits.</summary>
    public const int MaxPage = 1_000_000;

    public static string? TypeProblem(string? type) =>
        type is null || !TypePattern().IsMatch(type) ? "type must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'." : null;

    public static string? DataProblem(JsonElement data) =>
        data.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? "data is required and must not be null." : null;

    public static string? PagingProblem(int page, int pageSize) =>
        page is < 1 or > MaxPage ? $"page must be 1 to {MaxPage}."
        : pageSize is < 1 or > MaxPageSize ? $"pageSize must be 1 to {MaxPageSize}."
        : null;

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex TypePattern();
}
