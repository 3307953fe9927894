namespace Roomcast.DocumentsApi.Demo;

/// <summary>Section <c>Demo</c>: a seed file of demo users, groups, roots and documents, applied at start when set.</summary>
public sealed class DemoSeedOptions
{
    public const string Section = "Demo";

    public string? SeedFile { get; set; }
}
