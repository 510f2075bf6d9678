using Quartz;

namespace SyncGen.Hosting;

/// <summary>The names of a collection's job and trigger in Quartz.</summary>
internal static class JobKeys
{
    public const string Group = "syncgen";
    public const string CollectionKey = "collection";
    public const string FailuresKey = "failures";

    /// <summary>A parent's data: the JSON array of the child collections whose jobs it keeps.</summary>
    public const string ChildrenKey = "children";

    public static JobKey Job(string collection) => new(collection, Group);

    public static TriggerKey Trigger(string collection) => new(collection, Group);
}
