namespace Roomcast.LogTool;

/// <summary>A failure the operator can act on: printed as one line on stderr, exit code <see cref="ExitCode"/>.</summary>
public sealed class ToolError(string message, int exitCode = ToolError.Failed) : Exception(message)
{
    public const int Failed = 1;
    public const int Usage = 2;

    public int ExitCode { get; } = exitCode;
}
