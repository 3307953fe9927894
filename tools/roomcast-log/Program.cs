using Roomcast.LogTool;

// roomcast-log: see Usage.Text and README.md.
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, press) =>
{
    press.Cancel = true;
    interrupted.Cancel();
};

try
{
    var line = CommandLine.Parse(args);
    var command = line.Positional.FirstOrDefault();
    if (command is null || line.Has("help") || command == "help")
    {
        Console.Out.Write(Usage.Text);
        return command is null && !line.Has("help") ? ToolError.Usage : 0;
    }

    var printer = new Printer(Console.Out, Console.Error, line.Has("json"), line.Has("quiet"));
    using var services = await Services.ConnectAsync(line, interrupted.Token);
    return command switch
    {
        "list" => await ListCommand.ListAsync(services, line, printer, interrupted.Token),
        "tail" => await ListCommand.TailAsync(services, line, printer, interrupted.Token),
        "show" => await ShowCommand.RunAsync(services, line, printer, interrupted.Token),
        "replay" => await ReplayCommand.RunAsync(services, line, printer, interrupted.Token),
        "why" => await WhyCommand.RunAsync(services, line, printer, interrupted.Token),
        "dead-letters" => await DeadLettersCommand.RunAsync(services, line, printer, interrupted.Token),
        _ => throw new ToolError($"Unknown command '{command}'; see roomcast-log --help.", ToolError.Usage),
    };
}
catch (ToolError error)
{
    Console.Error.WriteLine($"roomcast-log: {error.Message}");
    return error.ExitCode;
}
catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
{
    return 130;
}
