using Quartz;

namespace SyncGen.Hosting;

/// <summary>The names of a collection's job and trigger in Quartz.</summary>
internal static class JobKeys
{
    public const string Group = "syncgen";
    public const string CollectionKey = "collection";
    public const string FailuresKey = "failures";

    public static JobKey Job(string collection) => new(collection, Group);

    public static TriggerKey Trigger(string collection) => new(collection, Group);
}
