namespace SyncGen.Generator.Model;

/// <summary>
/// What the parser found about one [IncrementalSync] class: names, kinds and flags, no C# fragments. The emitter
/// decides how the code reads; only type names arrive as the compiler displays them (fully qualified).
/// </summary>
public sealed record SyncClassModel
{
    /// <summary>File name of the generated source.</summary>
    public required string HintName { get; init; }

    /// <summary>Containing namespace as declared (dotted), or empty for the global namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>Whether the user's declaration sits in a file-scoped namespace.</summary>
    public required bool FileScopedNamespace { get; init; }

    /// <summary>The class name, unescaped.</summary>
    public required string ClassName { get; init; }

    /// <summary>The class as a fully qualified type name, for static member access.</summary>
    public required string ClassType { get; init; }

    /// <summary>Whether the class is public (else internal).</summary>
    public required bool IsPublic { get; init; }

    /// <summary>The class is a record (a record class), whose generated part is declared <c>partial record</c>.</summary>
    public bool IsRecord { get; init; }

    /// <summary>The generated code reads a member or type marked [Obsolete] as a warning (CS0612, CS0618), which it silences.</summary>
    public bool ReadsObsoleteMembers { get; init; }

    /// <summary>The repository's name in logs and errors: the class's full name.</summary>
    public required string RepositoryName { get; init; }

    /// <summary>The item type, fully qualified.</summary>
    public required string ItemType { get; init; }

    /// <summary>The item type is an annotated nullable reference type (the store is an <c>ISyncStore&lt;Item?&gt;</c>).</summary>
    public bool ItemMayBeNull { get; init; }

    /// <summary>The store member, or <c>null</c> in hooks mode (the class implements the partial hook methods instead).</summary>
    public required ClassMember? Store { get; init; }

    /// <summary>Hooks mode: declare <c>LoadSyncTokenAsync</c> (false when the user's source already declares it).</summary>
    public required bool DeclareLoadSyncTokenHook { get; init; }

    /// <summary>Hooks mode: declare <c>ApplyPassAsync</c> (false when the user's source already declares it).</summary>
    public required bool DeclareApplyPassHook { get; init; }

    /// <summary>Hooks mode: the class's <c>ApplyPassAsync</c> takes a <c>SyncHookPass</c> (page by page) instead of the whole pass's list.</summary>
    public bool PagedApplyPass { get; init; }

    /// <summary>The SyncOptions member, or <c>null</c>.</summary>
    public required ClassMember? Options { get; init; }

    /// <summary>The ILogger member, or <c>null</c>.</summary>
    public required ClassMember? Logger { get; init; }

    /// <summary>The page-source method, or the <c>SyncHttpPageSource</c> member when <see cref="IsDialectSource"/>.</summary>
    public required ClassMember PageSourceMethod { get; init; }

    /// <summary>
    /// The page source is a <c>SyncHttpPageSource&lt;TItem&gt;</c> member: its dialect reads pages, keys and deletions and
    /// its expiry rule classifies errors, so the page, key and deletion members below are empty and unused.
    /// </summary>
    public bool IsDialectSource { get; init; }

    /// <summary>
    /// The expression of the <c>ISyncErrorReader</c> for the page source's client library that generated code hands the
    /// engine (SyncGen.Google's, when the project references it), or <c>null</c>.
    /// </summary>
    public string? ErrorReader { get; init; }

    /// <summary>The request shape's facts, or <c>null</c> for a fetch method.</summary>
    public required RequestShape? Request { get; init; }

    /// <summary>The page type is a non-nullable struct, read with <c>.</c> instead of <c>?.</c>.</summary>
    public required bool PageIsValueType { get; init; }

    /// <summary>Page member holding the items.</summary>
    public required string ItemsMember { get; init; }

    /// <summary>Page member holding the next page token.</summary>
    public required string NextPageTokenMember { get; init; }

    /// <summary>Page member holding the next sync token.</summary>
    public required string NextSyncTokenMember { get; init; }

    /// <summary>The next page token member is a <c>System.Uri</c> (a link), read with its <c>OriginalString</c>.</summary>
    public bool NextPageTokenIsUri { get; init; }

    /// <summary>The next sync token member is a <c>System.Uri</c> (a link), read with its <c>OriginalString</c>.</summary>
    public bool NextSyncTokenIsUri { get; init; }

    /// <summary>
    /// The page's items are declared nullable (<c>List&lt;Item?&gt;</c>) while the item type is not: passed on with the
    /// nullable warning suppressed, since the engine checks each item and treats a null one as an item without a key.
    /// </summary>
    public bool ItemsMayHoldNull { get; init; }

    /// <summary>Item member holding the key.</summary>
    public required string KeyMember { get; init; }

    /// <summary>The key member is a string (else it is converted with the invariant culture).</summary>
    public required bool KeyIsString { get; init; }

    /// <summary>How an item says it is a deletion.</summary>
    public required DeletionMarker Deletion { get; init; }

    /// <summary>The page-source shape.</summary>
    public PageSourceKind PageSource => IsDialectSource ? PageSourceKind.Dialect : Request is null ? PageSourceKind.Fetch : PageSourceKind.Request;

    /// <summary>Hooks mode: changes go to the user's partial hook methods through the runtime's hook store.</summary>
    public bool UsesHooks => Store is null;
}

/// <summary>A field, property or method of the repository class, or a parameter of its primary constructor.</summary>
/// <param name="Name">The member name, unescaped.</param>
/// <param name="IsStatic">Whether it is static (read through the class name, else through <c>this</c>).</param>
public sealed record ClassMember(string Name, bool IsStatic)
{
    /// <summary>A primary-constructor parameter, read by its bare name (a parameter is not a member of <c>this</c>).</summary>
    public bool IsParameter { get; init; }

    /// <summary>Its type is annotated nullable: the generated code checks it before use, naming it in the error.</summary>
    public bool MayBeNull { get; init; }
}

/// <summary>The request object a request-shaped page source returns.</summary>
public sealed record RequestShape
{
    /// <summary>The factory's return type is annotated nullable.</summary>
    public required bool MayBeNull { get; init; }

    /// <summary>Request property receiving the sync token.</summary>
    public required string SyncTokenProperty { get; init; }

    /// <summary>The sync token property is declared non-nullable (it still receives null on a full pass).</summary>
    public required bool SyncTokenPropertyIsNonNullable { get; init; }

    /// <summary>Request property receiving the page token.</summary>
    public required string PageTokenProperty { get; init; }

    /// <summary>The page token property is declared non-nullable (it still receives null on the first page).</summary>
    public required bool PageTokenPropertyIsNonNullable { get; init; }

    /// <summary>Request properties a full sync may send and an incremental one must not (set to null then).</summary>
    public required EquatableArray<string> FullSyncOnlyProperties { get; init; }

    /// <summary>The request's readable and settable <c>bool?</c> properties a sync token refuses as false (<c>ShowDeleted</c>, <c>ShowHidden</c>), cleared on incremental passes when false.</summary>
    public required EquatableArray<string> ClearWhenFalseProperties { get; init; }
}

/// <summary>What marks an item as deleted.</summary>
public enum DeletionMarkerKind
{
    /// <summary>A <c>bool</c> member, true for a deletion.</summary>
    Bool,

    /// <summary>A <c>bool?</c> member, true for a deletion.</summary>
    NullableBool,

    /// <summary>A string status member equal (ordinal) to <see cref="DeletionMarker.DeletedStatus"/>.</summary>
    Status,
}

/// <summary>How an item says it is a deletion.</summary>
/// <param name="Kind">The kind of marker.</param>
/// <param name="Member">The item member read.</param>
/// <param name="DeletedStatus">For <see cref="DeletionMarkerKind.Status"/>: the status of a deleted item.</param>
public sealed record DeletionMarker(DeletionMarkerKind Kind, string Member, string? DeletedStatus);
