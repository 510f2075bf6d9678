namespace SyncGen.Generator.Model;

/// <summary>
/// Everything the emitter needs for one [IncrementalSync] class, as strings, bools and enums only. Every expression
/// string is already valid C# (fully qualified, escaped) so the emitter only arranges text.
/// </summary>
/// <param name="HintName">File name of the generated source.</param>
/// <param name="Namespace">Containing namespace, or empty for the global namespace.</param>
/// <param name="FileScopedNamespace">Whether the user's declaration sits in a file-scoped namespace.</param>
/// <param name="ClassName">The class name.</param>
/// <param name="Accessibility">The class's accessibility keyword (<c>public</c> or <c>internal</c>).</param>
/// <param name="RepositoryNameLiteral">C# string literal naming the repository in logs.</param>
/// <param name="ItemType">Fully qualified item type.</param>
/// <param name="StoreExpression">Expression reading the store member, or <c>null</c> in hooks mode (the class has no store
/// member and implements the partial hook methods instead).</param>
/// <param name="DeclareLoadSyncTokenHook">Hooks mode: generate the defining declaration of <c>LoadSyncTokenAsync</c>
/// (false when the user's source already declares it).</param>
/// <param name="DeclareApplyPassHook">Hooks mode: generate the defining declaration of <c>ApplyPassAsync</c>.</param>
/// <param name="OptionsExpression">Expression reading the options member, or <c>null</c>.</param>
/// <param name="LoggerExpression">Expression reading the logger member, or <c>null</c>.</param>
/// <param name="PageSource">The page-source shape.</param>
/// <param name="PageSourceMethodExpression">Expression naming the page-source method (without arguments).</param>
/// <param name="RequestMayBeNull">The request factory's return type is annotated nullable.</param>
/// <param name="SyncTokenAssignment">Assignment of the sync token to the request, e.g. <c>SyncToken = cursor.SyncToken</c> (request shape).</param>
/// <param name="PageTokenAssignment">Assignment of the page token to the request (request shape).</param>
/// <param name="FullSyncOnlyProperties">Request properties set to null on incremental passes.</param>
/// <param name="ClearShowDeletedFalse">The request has a settable <c>bool? ShowDeleted</c> to clear when false.</param>
/// <param name="PageAccess">Member access operator on the page: <c>?.</c> for references, <c>.</c> for structs.</param>
/// <param name="ItemsMember">Page member holding the items.</param>
/// <param name="NextPageTokenMember">Page member holding the next page token.</param>
/// <param name="NextSyncTokenMember">Page member holding the next sync token.</param>
/// <param name="KeyExpression">Expression of <c>item</c> giving its string key.</param>
/// <param name="IsDeletedExpression">Expression of <c>item</c> saying whether it is a deletion.</param>
public sealed record SyncClassModel(
    string HintName,
    string Namespace,
    bool FileScopedNamespace,
    string ClassName,
    string Accessibility,
    string RepositoryNameLiteral,
    string ItemType,
    string? StoreExpression,
    bool DeclareLoadSyncTokenHook,
    bool DeclareApplyPassHook,
    string? OptionsExpression,
    string? LoggerExpression,
    PageSourceKind PageSource,
    string PageSourceMethodExpression,
    bool RequestMayBeNull,
    string SyncTokenAssignment,
    string PageTokenAssignment,
    EquatableArray<string> FullSyncOnlyProperties,
    bool ClearShowDeletedFalse,
    string PageAccess,
    string ItemsMember,
    string NextPageTokenMember,
    string NextSyncTokenMember,
    string KeyExpression,
    string IsDeletedExpression)
{
    /// <summary>Hooks mode: changes go to the user's partial hook methods through a generated store adapter.</summary>
    public bool UsesHooks => StoreExpression is null;
}
