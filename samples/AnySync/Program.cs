using System;
using System.CommandLine;
using System.Linq;
using System.Threading.Tasks;
using AnySync.Commands;
using CalendarSync.Commands;

namespace AnySync;

/// <summary>AnySync: mirrors any sync-token JSON API into SQLite, driven by a built-in dialect or a dialect manifest.</summary>
public static class Program
{
    /// <summary>What <c>--help</c> says about exit codes: CalendarSync's, without credentials (headers carry them here).</summary>
    public const string ExitCodesHelp = "Exit codes: 0 success; 1 server or protocol failure; 2 usage (bad flag, dialect or manifest); 3 store file unusable; 130 cancelled (store unchanged); 70 internal error.";

    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Mirror any sync-token JSON API into SQLite with SyncGen: a built-in dialect (" + string.Join(", ", DialectArgument.Names) + ") or a dialect manifest. " + ExitCodesHelp);
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(ShowCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, the usage exit code; --help says the rest.
            Console.Error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => e.Message))} (see --help)");
            return ExitCodes.Usage;
        }

        // As CalendarSync: SIGINT and SIGTERM cancel the command through its token, and a sync ends with its staged pass discarded.
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
