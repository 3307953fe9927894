using System.ComponentModel.DataAnnotations;

namespace Roomcast.DocumentsApi;

/// <summary>Section <c>Documents</c>.</summary>
public sealed class DocumentsOptions
{
    public const string Section = "Documents";

    /// <summary>Requests with a larger body are refused with 413.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
