using System.CommandLine;
using System.Threading.Tasks;
using CalendarFleet.Chaos;
using CalendarFleet.Worker;

namespace CalendarFleet;

/// <summary>
/// CalendarFleet: many calendars mirrored into PostgreSQL by a cluster of worker processes (Quartz.NET on the same
/// database), with a chaos run that kills workers while calendars change and checks that every mirror converges.
/// </summary>
public static class Program
{
    public static Task<int> Main(string[] args)
    {
        var root = new RootCommand("Mirror many calendars into PostgreSQL with a cluster of SyncGen workers.");
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(ChaosCommand.Create());
        root.Subcommands.Add(StoreCostCommand.Create());
        return root.Parse(args).InvokeAsync();
    }
}
