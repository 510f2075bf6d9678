using System;
using System.CommandLine;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using GraphSync.Commands;

namespace GraphSync;

/// <summary>
/// GraphSync: mirrors a Microsoft Graph directory's users (users delta) into SQLite through the Graph SDK, with a
/// SyncGen-generated repository. No arguments runs a demo against SyncGen's embedded server in the Graph dialect.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Mirror Microsoft Graph directory users (users delta) into SQLite with SyncGen and the Graph SDK. Without a command: a demo against an embedded Graph delta server. " + ExitCodes.Help);
        root.SetAction((_, cancellationToken) => DemoCommand.RunAsync(Console.Out, cancellationToken));
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, the usage exit code; --help says the rest.
            Console.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message))} (see --help)");
            return ExitCodes.Usage;
        }

        // SIGINT and SIGTERM cancel the command through its token, and the command decides how to end (a sync prints
        // "sync cancelled; store unchanged" and exits 130 once its staged pass is discarded).
        using var interrupted = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupted.Token).ConfigureAwait(false);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
