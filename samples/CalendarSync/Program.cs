using System;
using System.CommandLine;
using System.Threading.Tasks;
using CalendarSync.Commands;

namespace CalendarSync;

/// <summary>
/// CalendarSync: mirrors Google Calendar v3 events into SQLite with a SyncGen-generated repository.
/// No arguments runs a demo against an embedded fake Calendar server.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Mirror Google Calendar v3 events into SQLite with SyncGen. Without a command: a demo against an embedded fake Calendar server. " + ExitCodes.Help);
        root.SetAction((_, cancellationToken) => DemoCommand.RunAsync(Console.Out, cancellationToken));
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, the usage exit code; --help says the rest.
            Console.Error.WriteLine($"error: {string.Join("; ", System.Linq.Enumerable.Select(parse.Errors, e => e.Message))} (see --help)");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }
}
