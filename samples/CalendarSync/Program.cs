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
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Mirror Google Calendar v3 events into SQLite with SyncGen. Without a command: a demo against an embedded fake Calendar server.");
        root.SetAction((_, cancellationToken) => DemoCommand.RunAsync(System.Console.Out, cancellationToken));
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        return root.Parse(args).InvokeAsync();
    }
}
