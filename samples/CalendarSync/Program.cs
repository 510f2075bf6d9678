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
        root.Subcommands.Add(ChangesCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, the usage exit code; --help says the rest.
            Console.Error.WriteLine($"error: {string.Join("; ", System.Linq.Enumerable.Select(parse.Errors, e => e.Message))} (see --help)");
            return ExitCodes.Usage;
        }

        // SIGINT and SIGTERM cancel the command through its token, and the command decides how to end (a sync prints
        // "sync cancelled; store unchanged" and exits 130 once its staged pass is discarded). System.CommandLine's own
        // handling would end the process after a fixed grace period, whatever the command was doing.
        using var interrupted = new System.Threading.CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Cancel);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Cancel);
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupted.Token).ConfigureAwait(false);

        void Cancel(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
