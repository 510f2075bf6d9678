using System;
using System.CommandLine;
using System.Threading.Tasks;
using CalendarFleet.Bench;
using CalendarFleet.Chaos;
using CalendarFleet.Status;
using CalendarFleet.Worker;

namespace CalendarFleet;

/// <summary>
/// CalendarFleet: many calendars mirrored into PostgreSQL by a cluster of worker processes (Quartz.NET on the same
/// database), with a chaos run that kills workers while calendars change and checks that every mirror converges.
/// </summary>
/// <remarks>
/// Exit codes of every command: 0 success, 1 a failure while running (database unreachable, sync failed), 2 bad
/// arguments, 130 cancelled. A failure is one line on stderr, never a stack trace.
/// </remarks>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Mirror many calendars into PostgreSQL with a cluster of SyncGen workers. Exit codes: 0 success, 1 failure while running, 2 bad arguments, 130 cancelled.");
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(ChaosCommand.Create());
        root.Subcommands.Add(StoreCostCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(PushBenchCommand.Create());
        try
        {
            // The commands report what they expect; anything that escapes one still ends as one line, here, for all of them.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("error: cancelled");
            return 130;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException)
        {
            Console.Error.WriteLine($"error: {OneLine(exception.Message)}");
            return 2;
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"error: {OneLine(exception.Message)}");
            return 1;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
