using System;

namespace SyncGen;

/// <summary>
/// Marks a <c>partial</c> repository class for which SyncGen generates <c>SyncAsync</c>: the full and
/// incremental sync loop with paging, sync-token persistence, expiry recovery and retries.
/// </summary>
/// <remarks>
/// <para>The class is a <c>partial class</c> or <c>partial record</c> (not nested, generic, static or file-local). Where
/// it needs a member below, a field, a property (not an explicit interface implementation) or a parameter of its
/// primary constructor will do; a field or property is chosen before a parameter, so assigning the parameter to a
/// field is not ambiguous, and a parameter the class also passes to its base constructor does not count.</para>
/// <para>The class must declare exactly one page source:</para>
/// <list type="bullet">
/// <item>a request factory <c>TRequest CreateListRequest(SyncPass pass)</c> whose request type has settable
/// <c>SyncToken</c> and <c>PageToken</c> string properties and an <c>ExecuteAsync(CancellationToken)</c> method
/// returning the page (the Google.Apis shape); or</item>
/// <item>a fetch method <c>Task&lt;TPage&gt; FetchPageAsync(SyncCursor cursor, CancellationToken cancellationToken)</c>
/// for any HTTP JSON API; or</item>
/// <item>a <see cref="SyncHttpPageSource{TItem}"/> member: the runtime does the HTTP and its
/// <see cref="SyncDialect"/> reads pages, keys and deletions, so the page, key and deletion settings below are not
/// used, and the dialect's expiry rule replaces <see cref="SyncOptions.ErrorClassifier"/>.</item>
/// </list>
/// <para>Changes go either to an <see cref="ISyncStore{TItem}"/> member of the class, or, when it has none, to two
/// <c>private partial</c> hook methods it implements: <c>LoadSyncTokenAsync(CancellationToken)</c> returning the stored
/// token, and <c>ApplyPassAsync(SyncPassKind, IReadOnlyList&lt;SyncChange&lt;TItem&gt;&gt;, string, CancellationToken)</c>,
/// called once per completed pass with its changes and new token to store together. Declaring either hook selects
/// this mode; a missing hook, or one with other parameters, is error SYNCGEN017.</para>
/// <para>The class may also hold an <c>ILogger</c> and a <see cref="SyncOptions"/> member. Every name below defaults
/// to the Google Calendar v3 name; set a property only when your API differs.</para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class IncrementalSyncAttribute : Attribute
{
    /// <summary>Name of the page-source method or <see cref="SyncHttpPageSource{TItem}"/> member. Default: the single member of the class with a page-source shape.</summary>
    public string? PageSource { get; set; }

    /// <summary>Page member holding the items. Default <c>Items</c>.</summary>
    public string? ItemsMember { get; set; }

    /// <summary>Page member holding the token of the next page. Default <c>NextPageToken</c>.</summary>
    public string? NextPageTokenMember { get; set; }

    /// <summary>Page member holding the token for the next incremental sync (last page only). Default <c>NextSyncToken</c>.</summary>
    public string? NextSyncTokenMember { get; set; }

    /// <summary>Request property that receives the stored sync token. Default <c>SyncToken</c>.</summary>
    public string? SyncTokenMember { get; set; }

    /// <summary>Request property that receives the page token. Default <c>PageToken</c>.</summary>
    public string? PageTokenMember { get; set; }

    /// <summary>Item member that identifies an item across syncs. Default <c>Id</c>.</summary>
    public string? KeyMember { get; set; }

    /// <summary>
    /// Boolean item member that is <see langword="true"/> for a deleted item. When unset, an item is deleted when
    /// its <see cref="StatusMember"/> equals <see cref="DeletedStatus"/>.
    /// </summary>
    public string? DeletedMember { get; set; }

    /// <summary>Item member holding the status string. Default <c>Status</c>.</summary>
    public string? StatusMember { get; set; }

    /// <summary>Status value that marks a deleted item. Default <c>cancelled</c> (Google Calendar).</summary>
    public string? DeletedStatus { get; set; }
}
