namespace Roomcast.Identity.Demo;

/// <summary>Section <c>Demo</c>: a seed file of demo accounts, applied at start when set.</summary>
public sealed class DemoSeedOptions
{
    public const string Section = "Demo";

    public string? SeedFile { get; set; }
}
