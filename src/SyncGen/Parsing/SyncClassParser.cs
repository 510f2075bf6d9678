using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SyncGen.Generator.Diagnostics;
using SyncGen.Generator.Model;

namespace SyncGen.Generator.Parsing;

/// <summary>
/// The transform: reads one [IncrementalSync] class with the semantic model and reduces it to a
/// <see cref="ParseResult"/>. Nothing symbolic survives this class.
/// </summary>
internal static class SyncClassParser
{
    public const string AttributeMetadataName = "SyncGen.IncrementalSyncAttribute";

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var type = (INamedTypeSymbol)context.TargetSymbol;
        if (!IsFirstAttributedDeclaration(type, declaration))
        {
            // The attribute on a second partial declaration is the compiler's CS0579 there; the class gets one generated
            // part, from its first, instead of two files of the same name (which made the generator fail: CS8785).
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        var parser = new Parser(context, declaration, type, cancellationToken);
        return parser.Run();
    }

    /// <summary>
    /// Whether <paramref name="declaration"/> is the first of the class's partial declarations, in compilation order, that
    /// carries [IncrementalSync].
    /// </summary>
    private static bool IsFirstAttributedDeclaration(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
    {
        if (type.DeclaringSyntaxReferences.Length < 2)
        {
            return true;
        }

        var attributes = type.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == AttributeMetadataName)
            .Select(a => a.ApplicationSyntaxReference)
            .Where(r => r is not null)
            .ToList();
        var first = type.DeclaringSyntaxReferences.FirstOrDefault(d =>
            attributes.Any(a => a!.SyntaxTree == d.SyntaxTree && d.Span.Contains(a.Span)));
        return first is null || (first.SyntaxTree == declaration.SyntaxTree && first.Span == declaration.Span);
    }

    private sealed class Parser
    {
        private readonly Compilation _compilation;
        private readonly TypeDeclarationSyntax _declaration;
        private readonly INamedTypeSymbol _type;
        private readonly AttributeSettings _settings;
        private readonly CancellationToken _cancellationToken;
        private readonly Location _classLocation;
        private readonly List<DiagnosticInfo> _diagnostics = new();
        private bool _readsObsolete;

        public Parser(GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax declaration, INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            _compilation = context.SemanticModel.Compilation;
            _declaration = declaration;
            _type = type;
            _settings = AttributeSettings.Read(context.Attributes[0], cancellationToken);
            _cancellationToken = cancellationToken;
            _classLocation = declaration.Identifier.GetLocation();
        }

        private string ClassName => _type.Name;

        public ParseResult Run()
        {
            if (!_declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.ClassNotPartial, _classLocation, ClassName);
            }

            var unsupported = _type.ContainingType is not null ? $"nested in '{_type.ContainingType.Name}'"
                : _type.IsGenericType ? "generic"
                : _type.IsStatic ? "static"
                : _type.IsFileLocal ? "file-local (its generated part lives in another file, and a file-local type cannot be extended from there)"
                : null;
            if (unsupported is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedClass, _classLocation, ClassName, unsupported);
            }

            ReportConflictsWithGeneratedMembers();

            if (_diagnostics.Count > 0)
            {
                return Result(null);
            }

            _cancellationToken.ThrowIfCancellationRequested();
            var dialectSource = FindDialectSource(out var dialectProblem);
            if (dialectSource is not null || dialectProblem)
            {
                return dialectSource is null ? Result(null) : RunDialectSource(dialectSource);
            }

            var source = FindPageSource();
            _cancellationToken.ThrowIfCancellationRequested();
            var request = source is { Kind: PageSourceKind.Request } ? ReadRequest(source) : null;
            if (request is not null)
            {
                CheckIntegrationPackage(source!);
            }

            var pageType = source?.Kind == PageSourceKind.Fetch ? SymbolHelpers.TaskResultType(source.Method.ReturnType) : request?.PageType;
            var page = pageType is null || source is null ? null : ReadPage(pageType, source.Location);
            _cancellationToken.ThrowIfCancellationRequested();
            var store = FindStore(page?.ElementType, out var useHooks);
            var logger = FindSingle(IsLogger, "ILogger", "logger");
            var options = FindSingle(IsOptions, "SyncOptions", "SyncOptions");
            _cancellationToken.ThrowIfCancellationRequested();
            var itemType = store is not null ? ((INamedTypeSymbol)StoreInterface(SymbolHelpers.ValueType(store)!)!).TypeArguments[0]
                : useHooks ? page?.ElementType?.WithNullableAnnotation(NullableAnnotation.NotAnnotated)
                : null;
            var key = itemType is null ? null : ReadKey(itemType);
            var deleted = itemType is null ? null : ReadDeleted(itemType);
            if (useHooks && itemType is not null)
            {
                ReportHookProblems(itemType);
            }

            ReadsClassMembers(itemType, store, logger, options, source?.Method);

            if (_diagnostics.Count > 0 || source is null || page is null || (store is null && !useHooks) || itemType is null || key is null || deleted is null
                || (source.Kind == PageSourceKind.Request && request is null))
            {
                return Result(null);
            }

            return Result(Model(itemType, store, useHooks, options, logger, source.Method, request?.Shape, page, key.Value, deleted));
        }

        // ---- dialect page source ----------------------------------------------------------------------------------

        /// <summary>
        /// The class's <c>SyncHttpPageSource&lt;TItem&gt;</c> field or property, or <c>null</c>. With one beside a page-source
        /// method (or two of them) the class is ambiguous: SYNCGEN007, and <paramref name="problem"/> is set.
        /// </summary>
        private ISymbol? FindDialectSource(out bool problem)
        {
            problem = false;
            var named = _settings.Get("PageSource");
            var sources = Candidates(IsDialectSourceType).Where(m => named is null || m.Name == named).ToList();
            if (sources.Count == 0)
            {
                return null;
            }

            var methods = named is not null ? new List<IMethodSymbol>() : SymbolHelpers.AllMembers(_type)
                .OfType<IMethodSymbol>()
                .Where(m => m.MethodKind == MethodKind.Ordinary && m.ContainingType.SpecialType != SpecialType.System_Object
                    && _compilation.IsSymbolAccessibleWithin(m, _type) && Classify(m) is not null)
                .ToList();
            if (sources.Count + methods.Count > 1)
            {
                Report(DiagnosticDescriptors.AmbiguousMembers, _classLocation, ClassName, "page source",
                    string.Join(", ", sources.Select(m => "'" + m.Name + "'").Concat(methods.Select(m => "'" + m.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "'"))),
                    "set IncrementalSync.PageSource to the one to use, or remove the others");
                problem = true;
                return null;
            }

            return sources[0];
        }

        private static bool IsDialectSourceType(ITypeSymbol type) =>
            type is INamedTypeSymbol { Name: "SyncHttpPageSource", TypeArguments.Length: 1 } && IsRuntimeType(type, "SyncHttpPageSource");

        /// <summary>The model of a class whose page source is a <c>SyncHttpPageSource&lt;TItem&gt;</c> member.</summary>
        private ParseResult RunDialectSource(ISymbol source)
        {
            var itemType = ((INamedTypeSymbol)SymbolHelpers.ValueType(source)!).TypeArguments[0];
            var store = FindStore(itemType, out var useHooks);
            var logger = FindSingle(IsLogger, "ILogger", "logger");
            var options = FindSingle(IsOptions, "SyncOptions", "SyncOptions");
            ReportSettingsTheDialectIgnores(source);
            if (useHooks)
            {
                ReportHookProblems(itemType);
            }

            ReadsClassMembers(itemType, store, logger, options, source);
            if (_diagnostics.Count > 0 || (store is null && !useHooks))
            {
                return Result(null);
            }

            // A dialect source reads keys, deletions and tokens from the JSON itself: the model has no page or item members.
            return Result(Model(itemType, store, useHooks, options, logger, source, request: null, page: null,
                key: (string.Empty, true), new DeletionMarker(DeletionMarkerKind.Bool, string.Empty, null)));
        }

        /// <summary>
        /// A setting that names a page, request or item member means nothing to a dialect source, which reads all of them
        /// from the JSON. Ignoring it silently would let a user believe a key or deletion marker is in force when the
        /// dialect's is, so each one written is an error at its argument.
        /// </summary>
        private void ReportSettingsTheDialectIgnores(ISymbol source)
        {
            foreach (var (setting, what, dialectProperty) in DialectReadSettings)
            {
                if (_settings.Get(setting) is not null)
                {
                    Report(DiagnosticDescriptors.SettingIgnoredByDialect, _settings.LocationOf(setting, _classLocation),
                        setting, ClassName, source.Name, what, dialectProperty);
                }
            }
        }

        private static readonly ImmutableArray<(string Setting, string What, string DialectProperty)> DialectReadSettings = ImmutableArray.Create(
        new[]
        {
            ("ItemsMember", "the page's items", "Items"),
            ("NextPageTokenMember", "the next page token", "NextPageToken"),
            ("NextSyncTokenMember", "the next sync token", "NextSyncToken"),
            ("SyncTokenMember", "how the sync token is sent", "SyncTokenParameter"),
            ("PageTokenMember", "how the page token is sent", "PageTokenParameter"),
            ("KeyMember", "each item's key", "Key"),
            ("DeletedMember", "how a deletion shows", "Deletion"),
            ("StatusMember", "how a deletion shows", "Deletion"),
            ("DeletedStatus", "how a deletion shows", "Deletion"),
        });

        /// <summary>
        /// The one place a model is made, for both page-source shapes; <paramref name="page"/> is null for a dialect source.
        /// </summary>
        private SyncClassModel Model(ITypeSymbol itemType, ISymbol? store, bool useHooks, ISymbol? options, ISymbol? logger, ISymbol source,
            RequestShape? request, PageInfo? page, (string Member, bool IsString) key, DeletionMarker deletion) => new()
        {
            HintName = _type.ToDisplayString(SymbolHelpers.NameFormat).Replace("@", string.Empty) + ".SyncGen.g.cs",
            Namespace = _type.ContainingNamespace.IsGlobalNamespace ? string.Empty : _type.ContainingNamespace.ToDisplayString(SymbolHelpers.NameFormat),
            FileScopedNamespace = _declaration.Ancestors().OfType<FileScopedNamespaceDeclarationSyntax>().Any(),
            ClassName = _type.Name,
            ClassType = _type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            IsPublic = _type.DeclaredAccessibility == Accessibility.Public,
            IsRecord = _type.IsRecord,
            ReadsObsoleteMembers = _readsObsolete,
            RepositoryName = _type.ToDisplayString(),
            ItemType = itemType.ToDisplayString(SymbolHelpers.TypeFormat),
            ItemMayBeNull = itemType is { IsReferenceType: true, NullableAnnotation: NullableAnnotation.Annotated },
            Store = store is null ? null : Member(store),
            DeclareLoadSyncTokenHook = useHooks && !DeclaresHookDefinition(LoadSyncTokenHook, CancellationTokenType()),
            DeclareApplyPassHook = useHooks && !DeclaresHookDefinition(ApplyPassHook, ApplyPassParameterTypes(itemType)),
            PagedApplyPass = useHooks && TakesPagedPass(itemType),
            Options = options is null ? null : Member(options),
            Logger = logger is null ? null : Member(logger),
            PageSourceMethod = Member(source),
            IsDialectSource = page is null,

            // A fetch method may call Google.Apis too: whenever the project references SyncGen.Google, its reader comes along.
            ErrorReader = page is not null && GoogleApis.IsPackageReferenced(_compilation) ? GoogleApis.ErrorReaderInstance : null,
            Request = request,
            PageIsValueType = page?.IsValueType ?? false,
            ItemsMember = page?.Items ?? string.Empty,
            NextPageTokenMember = page?.NextPageToken ?? string.Empty,
            NextSyncTokenMember = page?.NextSyncToken ?? string.Empty,
            NextPageTokenIsUri = page?.NextPageTokenIsUri ?? false,
            NextSyncTokenIsUri = page?.NextSyncTokenIsUri ?? false,
            KeyMember = key.Member,
            KeyIsString = key.IsString,
            Deletion = deletion,
            ItemsMayHoldNull = page?.ElementType is { IsReferenceType: true, NullableAnnotation: NullableAnnotation.Annotated },
        };

        private ParseResult Result(SyncClassModel? model) => new(model, new EquatableArray<DiagnosticInfo>(_diagnostics));

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] args) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, args));

        private static ClassMember Member(ISymbol member) => new(member.Name, member.IsStatic)
        {
            IsParameter = member is IParameterSymbol,
            MayBeNull = SymbolHelpers.ValueType(member) is { IsReferenceType: true, NullableAnnotation: NullableAnnotation.Annotated },
        };

        // ---- generated members ------------------------------------------------------------------------------------

        private const string GateField = "__syncGenGate";
        private const string OpenPassMethod = "__SyncGenOpenPass";
        private const string SyncMethod = "SyncAsync";

        /// <summary>
        /// A member named like one the generated part declares is a compile error inside the generated file (CS0102,
        /// CS0111), and an inherited one a hiding warning there (CS0108): each is reported on the user's member, or on
        /// the class when it is inherited. A base class with [IncrementalSync] of its own gets its SyncAsync only from the
        /// generator, so the symbol is not there yet: the attribute stands for it.
        /// </summary>
        private void ReportConflictsWithGeneratedMembers()
        {
            var syncProgress = _compilation.GetTypeByMetadataName("SyncGen.SyncProgress");
            var progress = syncProgress is null ? null : _compilation.GetTypeByMetadataName("System.IProgress`1")?.Construct(syncProgress);
            var signatures = new[] { new[] { CancellationTokenType() }, new[] { progress, CancellationTokenType() } };

            string? Generated(ISymbol member)
            {
                if (member.Name == GateField)
                {
                    return $"the field '{GateField}'";
                }

                if (member.Name == OpenPassMethod)
                {
                    return $"the method '{OpenPassMethod}(SyncPass)'";
                }

                if (member is not IMethodSymbol method)
                {
                    return "the methods 'SyncAsync(CancellationToken)' and 'SyncAsync(IProgress<SyncProgress>?, CancellationToken)'";
                }

                var same = signatures.Any(types => HasParameters(method, types));
                return same ? "'" + method.Name + (method.Parameters.Length == 1 ? "(CancellationToken)'" : "(IProgress<SyncProgress>?, CancellationToken)'") : null;
            }

            foreach (var type in SymbolHelpers.BaseTypesAndSelf(_type).TakeWhile(t => t.SpecialType != SpecialType.System_Object))
            {
                var own = SymbolEqualityComparer.Default.Equals(type, _type);
                if (!own && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeMetadataName))
                {
                    Report(DiagnosticDescriptors.MemberConflict, _classLocation, ClassName, "inherits",
                        type.ToShortName() + ".SyncAsync (generated for its own [IncrementalSync])", "'SyncAsync(CancellationToken)'",
                        "derive from a base class without [IncrementalSync] instead");
                    return;
                }

                foreach (var member in new[] { SyncMethod, GateField, OpenPassMethod }.SelectMany(name => type.GetMembers(name)))
                {
                    var generated = member.IsImplicitlyDeclared || (!own && !_compilation.IsSymbolAccessibleWithin(member, _type)) ? null : Generated(member);
                    if (generated is not null)
                    {
                        Report(DiagnosticDescriptors.MemberConflict, own ? SymbolHelpers.SourceLocation(member, _classLocation) : _classLocation, ClassName,
                            own ? "declares" : "inherits", member.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), generated,
                            "rename or remove that member (the generated SyncAsync runs the sync)");
                    }
                }
            }
        }

        /// <summary>The two hooks: name, parameter types, and the declaration to write, for messages.</summary>
        private (string Name, ITypeSymbol?[] Parameters, string Display, string Declaration)[] Hooks(ITypeSymbol itemType)
        {
            var item = itemType.ToShortName();
            return new[]
            {
                (LoadSyncTokenHook, new[] { CancellationTokenType() }, "(CancellationToken)",
                    $"private partial ValueTask<string?> {LoadSyncTokenHook}(CancellationToken cancellationToken)"),
                TakesPagedPass(itemType)
                    ? (ApplyPassHook, ApplyPassParameterTypes(itemType), "(SyncHookPass<TItem>, CancellationToken)",
                        $"private partial ValueTask {ApplyPassHook}(SyncHookPass<{item}> pass, CancellationToken cancellationToken)")
                    : (ApplyPassHook, ApplyPassParameterTypes(itemType), "(SyncPassKind, IReadOnlyList<SyncChange<TItem>>, string, CancellationToken)",
                        $"private partial ValueTask {ApplyPassHook}(SyncPassKind kind, IReadOnlyList<SyncChange<{item}>> changes, string syncToken, CancellationToken cancellationToken)"),
            };
        }

        /// <summary>Hooks mode: <see cref="ReportConflictsWithHooks"/>, then, when none, <see cref="ReportMissingOrMismatchedHooks"/>.</summary>
        private void ReportHookProblems(ITypeSymbol itemType)
        {
            var before = _diagnostics.Count;
            ReportConflictsWithHooks(itemType);
            if (_diagnostics.Count == before)
            {
                ReportMissingOrMismatchedHooks(itemType);
            }
        }

        /// <summary>
        /// Hooks mode: the generated part declares each hook whose defining declaration the class does not hold. A member
        /// of the hook's name that is not a method, or a method of the hook's parameters that is not <c>partial</c>, is
        /// CS0102 or CS0111 inside the generated file; an accessible one inherited, a hiding warning there. Reported like
        /// <see cref="ReportConflictsWithGeneratedMembers"/>.
        /// </summary>
        private void ReportConflictsWithHooks(ITypeSymbol itemType)
        {
            foreach (var hook in Hooks(itemType).Where(h => !DeclaresHookDefinition(h.Name, h.Parameters)))
            {
                foreach (var type in SymbolHelpers.BaseTypesAndSelf(_type).TakeWhile(t => t.SpecialType != SpecialType.System_Object))
                {
                    var own = SymbolEqualityComparer.Default.Equals(type, _type);
                    foreach (var member in type.GetMembers(hook.Name).Where(m => !m.IsImplicitlyDeclared && (own || _compilation.IsSymbolAccessibleWithin(m, _type))))
                    {
                        var method = member as IMethodSymbol;
                        if (method is not null && !(HasParameters(method, hook.Parameters) && !(own && IsDeclaredPartial(method))))
                        {
                            continue;
                        }

                        Report(DiagnosticDescriptors.MemberConflict, own ? SymbolHelpers.SourceLocation(member, _classLocation) : _classLocation, ClassName,
                            own ? "declares" : "inherits", member.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat),
                            $"the partial hook '{hook.Name}{hook.Display}'",
                            own && method is { IsStatic: false } ? "declare it 'private partial' so that it implements the hook" : "rename that member");
                    }
                }
            }
        }

        /// <summary>
        /// Hooks mode needs both hooks, each with the hook's parameter types. The generated part declares a hook the
        /// class lacks, or has only with other parameters (an overload, to the compiler), and that declaration without an
        /// implementation was CS8795 inside the generated file: SYNCGEN017 instead, at the mismatched method or at the
        /// class, with the declaration to write. A return type or accessibility that differs is left to the compiler,
        /// which reports it on the user's method (CS8817, CS8819, CS8799).
        /// </summary>
        private void ReportMissingOrMismatchedHooks(ITypeSymbol itemType)
        {
            foreach (var hook in Hooks(itemType))
            {
                var methods = _type.GetMembers(hook.Name).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary && !m.IsStatic).ToList();
                if (methods.Any(m => HasParameters(m, hook.Parameters)))
                {
                    continue;
                }

                var other = hook.Name == LoadSyncTokenHook ? ApplyPassHook : LoadSyncTokenHook;
                if (methods.Count == 0)
                {
                    Report(DiagnosticDescriptors.HookMissingOrMismatched, _classLocation, ClassName,
                        $"it declares the hook '{other}' and not '{hook.Name}'", hook.Declaration);
                    continue;
                }

                Report(DiagnosticDescriptors.HookMissingOrMismatched, SymbolHelpers.SourceLocation(methods[0], _classLocation), ClassName,
                    $"'{methods[0].ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}' does not take the parameters of the hook '{hook.Name}'",
                    hook.Declaration);
            }
        }

        private static bool HasParameters(IMethodSymbol method, ITypeSymbol?[] types) =>
            !method.IsGenericMethod && method.Parameters.Length == types.Length
            && types.Select((t, i) => SymbolEqualityComparer.Default.Equals(t, method.Parameters[i].Type)).All(equal => equal);

        /// <summary>Whether the user wrote <c>partial</c> on the method: a lone implementing part has no symbol flag that says so.</summary>
        private bool IsDeclaredPartial(IMethodSymbol method) =>
            method.IsPartialDefinition || method.PartialDefinitionPart is not null
            || method.DeclaringSyntaxReferences.Any(r =>
                r.GetSyntax(_cancellationToken) is MethodDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

        /// <summary>What the generated code reads of the class itself: the item type it names, and the members it calls.</summary>
        private void ReadsClassMembers(ITypeSymbol? itemType, ISymbol? store, ISymbol? logger, ISymbol? options, ISymbol? source)
        {
            Reads(itemType, "its item type", _classLocation);
            foreach (var (member, role) in new[] { (store, "its sync store"), (logger, "its logger"), (options, "its SyncOptions"), (source, "its page source") })
            {
                Reads(member, role, member is null ? _classLocation : SymbolHelpers.SourceLocation(member, _classLocation));
            }
        }

        /// <summary>
        /// Notes a member or type the generated code reads. Obsolete as an error, it would be CS0619 inside the generated
        /// file: SYNCGEN016 at <paramref name="location"/> instead. Obsolete as a warning, the generated file silences
        /// CS0612 and CS0618, since the class named it (or kept its default name) on purpose and a warning there would
        /// break a build with warnings as errors.
        /// </summary>
        private void Reads(ISymbol? symbol, string role, Location location)
        {
            // Inside an obsolete class nothing obsolete is reported, and the generated part is inside it.
            var error = symbol is null || SymbolHelpers.ObsoleteAsError(_type) is not null ? null : SymbolHelpers.ObsoleteAsError(symbol);
            if (error == true)
            {
                Report(DiagnosticDescriptors.ObsoleteAsError, location, symbol!.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat), ClassName, role);
            }
            else if (error == false)
            {
                _readsObsolete = true;
            }
        }

        // ---- page source ------------------------------------------------------------------------------------------

        private sealed record PageSource(IMethodSymbol Method, PageSourceKind Kind, Location Location);

        private PageSource? FindPageSource()
        {
            var methods = SymbolHelpers.AllMembers(_type)
                .OfType<IMethodSymbol>()
                .Where(m => m.MethodKind == MethodKind.Ordinary && m.ContainingType.SpecialType != SpecialType.System_Object
                    && _compilation.IsSymbolAccessibleWithin(m, _type))
                .ToList();
            var named = _settings.Get("PageSource");
            if (named is not null)
            {
                methods = methods.Where(m => m.Name == named).ToList();
                if (methods.Count == 0)
                {
                    Report(DiagnosticDescriptors.NoPageSource, _settings.LocationOf("PageSource", _classLocation), ClassName, $" named '{named}'");
                    return null;
                }
            }

            var shaped = methods
                .Select(m => (Method: m, Kind: Classify(m)))
                .Where(c => c.Kind is not null)
                .ToList();
            if (shaped.Count == 0)
            {
                // A method that takes a SyncCursor or a SyncPass was meant as the page source: say so on it, with what is wrong.
                var nearMiss = methods.Select(m => (Method: m, Problem: NearMissProblem(m))).FirstOrDefault(c => c.Problem is not null);
                if (nearMiss.Method is not null)
                {
                    Report(DiagnosticDescriptors.NoPageSource, SymbolHelpers.SourceLocation(nearMiss.Method, _classLocation), ClassName,
                        $" ('{nearMiss.Method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}' is close, but {nearMiss.Problem})");
                    return null;
                }

                var location = named is null ? _classLocation : SymbolHelpers.SourceLocation(methods[0], _classLocation);
                Report(DiagnosticDescriptors.NoPageSource, location, ClassName, named is null ? ExplicitPageSourceNote() : $" named '{named}' of an accepted shape");
                return null;
            }

            if (shaped.Count > 1)
            {
                Report(
                    DiagnosticDescriptors.AmbiguousMembers,
                    _classLocation,
                    ClassName,
                    "page-source method",
                    string.Join(", ", shaped.Select(c => "'" + c.Method.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "'")),
                    "set IncrementalSync.PageSource to the one to use, or remove the others");
                return null;
            }

            var method = shaped[0].Method;
            return new PageSource(method, shaped[0].Kind!.Value, SymbolHelpers.SourceLocation(method, _classLocation));
        }

        /// <summary>
        /// For SYNCGEN003's message: a page source the class implements explicitly, which the generated code cannot call
        /// by name; or empty.
        /// </summary>
        private string ExplicitPageSourceNote()
        {
            var hidden = SymbolHelpers.AllMembers(_type).FirstOrDefault(m =>
                (IsExplicitImplementation(m) && IsDialectSourceType(SymbolHelpers.ValueType(m)!))
                || (m is IMethodSymbol { MethodKind: MethodKind.ExplicitInterfaceImplementation } method && Classify(method) is not null));
            return hidden is null ? string.Empty
                : $" ('{hidden.Name}' is an explicit interface implementation, which the generated code cannot call by name: implement it implicitly, or add a private member it calls)";
        }

        private PageSourceKind? Classify(IMethodSymbol method)
        {
            var parameters = method.Parameters;
            if (parameters.Length == 1 && IsRuntimeType(parameters[0].Type, "SyncPass") && parameters[0].RefKind == RefKind.None
                && !method.ReturnsVoid && !SymbolHelpers.IsTaskLike(method.ReturnType) && !method.IsGenericMethod)
            {
                return PageSourceKind.Request;
            }

            if (parameters.Length == 2 && IsRuntimeType(parameters[0].Type, "SyncCursor") && IsCancellationToken(parameters[1].Type)
                && SymbolHelpers.TaskResultType(method.ReturnType) is not null && !method.IsGenericMethod)
            {
                return PageSourceKind.Fetch;
            }

            return null;
        }

        /// <summary>What keeps a method that takes a <c>SyncCursor</c> or <c>SyncPass</c> from being a page source, or <c>null</c> when it takes neither.</summary>
        private static string? NearMissProblem(IMethodSymbol method)
        {
            var parameters = method.Parameters;
            if (parameters.Any(p => IsRuntimeType(p.Type, "SyncCursor")))
            {
                if (method.IsGenericMethod)
                {
                    return "a fetch method must not be generic";
                }

                if (!IsRuntimeType(parameters[0].Type, "SyncCursor"))
                {
                    return "the SyncCursor must be its first parameter";
                }

                if (parameters.Length != 2 || !IsCancellationToken(parameters[1].Type))
                {
                    return "a fetch method takes exactly (SyncCursor cursor, CancellationToken cancellationToken)";
                }

                return $"it returns '{method.ReturnType.ToShortName()}', and a fetch method returns Task<TPage> or ValueTask<TPage>";
            }

            if (parameters.Any(p => IsRuntimeType(p.Type, "SyncPass")))
            {
                if (parameters.Length != 1)
                {
                    return "a request factory takes exactly (SyncPass pass)";
                }

                if (method.IsGenericMethod)
                {
                    return "a request factory must not be generic";
                }

                if (parameters[0].RefKind != RefKind.None)
                {
                    return "its SyncPass parameter must be passed by value";
                }

                return method.ReturnsVoid
                    ? "it returns void, and a request factory returns the request"
                    : $"it returns '{method.ReturnType.ToShortName()}', and a request factory returns the request itself (not a task): the generated code calls its ExecuteAsync";
            }

            return null;
        }

        private static bool IsRuntimeType(ITypeSymbol type, string name) =>
            type.Name == name && type.ContainingNamespace is { Name: "SyncGen", ContainingNamespace.IsGlobalNamespace: true };

        private static bool IsCancellationToken(ITypeSymbol type) =>
            type.ToDisplayString() == "System.Threading.CancellationToken";

        // ---- request shape ----------------------------------------------------------------------------------------

        private sealed record RequestInfo(ITypeSymbol PageType, RequestShape Shape);

        private RequestInfo? ReadRequest(PageSource source)
        {
            var requestType = source.Method.ReturnType;
            var requestName = requestType.ToShortName();
            var methodName = source.Method.Name;
            var problems = 0;

            IPropertySymbol? TokenProperty(string setting, string defaultName)
            {
                var name = _settings.Get(setting) ?? defaultName;
                var property = SymbolHelpers.FindSettableProperty(_compilation, requestType, name, _type);
                if (property is null || !SymbolHelpers.IsString(property.Type))
                {
                    Report(DiagnosticDescriptors.InvalidRequestType, _settings.LocationOfSetting(setting, source.Location),
                        requestName, methodName, $"has no settable string property '{name}'");
                    problems++;
                    return null;
                }

                Reads(property, "a request token", _settings.LocationOfSetting(setting, source.Location));
                return property;
            }

            var syncToken = TokenProperty("SyncTokenMember", "SyncToken");
            var pageToken = TokenProperty("PageTokenMember", "PageToken");

            var executeMethod = SymbolHelpers.AllMembers(requestType, "ExecuteAsync")
                .OfType<IMethodSymbol>()
                .FirstOrDefault(m => !m.IsStatic && !m.IsGenericMethod && m.Parameters.Length == 1 && IsCancellationToken(m.Parameters[0].Type)
                    && _compilation.IsSymbolAccessibleWithin(m, _type, requestType) && SymbolHelpers.TaskResultType(m.ReturnType) is not null);
            var execute = executeMethod is null ? null : SymbolHelpers.TaskResultType(executeMethod.ReturnType);
            Reads(executeMethod, "the request's ExecuteAsync", source.Location);
            if (execute is null)
            {
                Report(DiagnosticDescriptors.InvalidRequestType, source.Location, requestName, methodName,
                    "has no accessible ExecuteAsync(CancellationToken) method returning Task<TPage>");
                problems++;
            }

            if (problems > 0 || execute is null || syncToken is null || pageToken is null)
            {
                return null;
            }

            var fullSyncOnly = new List<string>();
            foreach (var filter in GoogleApis.FullSyncOnlyFilters)
            {
                foreach (var name in new[] { filter, filter + "Raw" })
                {
                    var property = SymbolHelpers.FindSettableProperty(_compilation, requestType, name, _type);
                    if (property is not null && !SymbolHelpers.IsObsolete(property) && SymbolHelpers.AcceptsNull(property.Type))
                    {
                        fullSyncOnly.Add(property.Name);
                    }
                }
            }

            // Calendar answers 400 to showDeleted=false (events, calendar list, ACL) and showHidden=false (calendar list) beside a
            // sync token: a token always brings deleted and hidden entries back.
            var clearWhenFalse = new List<string>();
            foreach (var name in GoogleApis.RefusedFalseWithSyncToken)
            {
                var flag = SymbolHelpers.FindSettableProperty(_compilation, requestType, name, _type);
                if (flag is not null && !SymbolHelpers.IsObsolete(flag) && SymbolHelpers.IsNullableBool(flag.Type)
                    && SymbolHelpers.FindReadable(_compilation, requestType, name, _type) is not null)
                {
                    clearWhenFalse.Add(flag.Name);
                }
            }

            // A token property declared non-nullable in a nullable-aware type still receives null on the first page.
            return new RequestInfo(execute, new RequestShape
            {
                MayBeNull = requestType.IsReferenceType && requestType.NullableAnnotation == NullableAnnotation.Annotated,
                SyncTokenProperty = syncToken.Name,
                SyncTokenPropertyIsNonNullable = syncToken.Type.NullableAnnotation == NullableAnnotation.NotAnnotated,
                PageTokenProperty = pageToken.Name,
                PageTokenPropertyIsNonNullable = pageToken.Type.NullableAnnotation == NullableAnnotation.NotAnnotated,
                FullSyncOnlyProperties = new EquatableArray<string>(fullSyncOnly),
                ClearWhenFalseProperties = new EquatableArray<string>(clearWhenFalse),
            });
        }

        /// <summary>
        /// A Google.Apis request compiles against SyncGen alone (the generated code only calls its ExecuteAsync), but
        /// only SyncGen.Google reads GoogleApiException, so without it an expired token would look like a fatal error.
        /// </summary>
        private void CheckIntegrationPackage(PageSource source)
        {
            if (GoogleApis.IsRequestType(source.Method.ReturnType) && !GoogleApis.IsPackageReferenced(_compilation))
            {
                Report(DiagnosticDescriptors.MissingIntegrationPackage, source.Location, ClassName, "a Google.Apis request",
                    GoogleApis.PackageName, "Google.Apis' errors (expired sync tokens, rate limits, Retry-After)");
            }
        }

        // ---- page type --------------------------------------------------------------------------------------------

        private sealed record PageInfo(bool IsValueType, string Items, string NextPageToken, string NextSyncToken, ITypeSymbol? ElementType)
        {
            public bool NextPageTokenIsUri { get; init; }

            public bool NextSyncTokenIsUri { get; init; }
        }

        private PageInfo? ReadPage(ITypeSymbol pageType, Location sourceLocation)
        {
            var pageName = pageType.ToShortName();
            ITypeSymbol? elementType = null;

            var itemsName = _settings.Get("ItemsMember") ?? "Items";
            var items = SymbolHelpers.FindReadable(_compilation, pageType, itemsName, _type);
            if (items is not null)
            {
                elementType = SymbolHelpers.ElementType(SymbolHelpers.ValueType(items)!);
                Reads(items, "the page's items", _settings.LocationOfSetting("ItemsMember", sourceLocation));
            }

            if (elementType is null)
            {
                Report(DiagnosticDescriptors.MissingItemsMember, _settings.LocationOfSetting("ItemsMember", sourceLocation), pageName, itemsName);
            }

            // A token is a string, or a Uri (a link such as Graph's @odata.nextLink), read back with its OriginalString.
            string? Token(string setting, string defaultName, DiagnosticDescriptor descriptor, out bool isUri)
            {
                isUri = false;
                var name = _settings.Get(setting) ?? defaultName;
                var member = SymbolHelpers.FindReadable(_compilation, pageType, name, _type);
                var memberType = member is null ? null : SymbolHelpers.ValueType(member);
                isUri = memberType is { Name: "Uri", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
                if (member is null || !(SymbolHelpers.IsString(memberType) || isUri))
                {
                    var wrongType = memberType is null ? string.Empty : $" ('{member!.Name}' is a '{memberType.ToShortName()}')";
                    Report(descriptor, _settings.LocationOfSetting(setting, sourceLocation), pageName, name, wrongType);
                    return null;
                }

                Reads(member, "a page token", _settings.LocationOfSetting(setting, sourceLocation));
                return member.Name;
            }

            var nextPageToken = Token("NextPageTokenMember", "NextPageToken", DiagnosticDescriptors.MissingNextPageTokenMember, out var nextPageIsUri);
            var nextSyncToken = Token("NextSyncTokenMember", "NextSyncToken", DiagnosticDescriptors.MissingNextSyncTokenMember, out var nextSyncIsUri);
            if (items is null || elementType is null || nextPageToken is null || nextSyncToken is null)
            {
                // The element type still lets the store check say something precise.
                return elementType is null ? null : new PageInfo(false, string.Empty, string.Empty, string.Empty, elementType);
            }

            var isValueType = pageType.IsValueType && pageType.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T;
            return new PageInfo(isValueType, items.Name, nextPageToken, nextSyncToken, elementType) { NextPageTokenIsUri = nextPageIsUri, NextSyncTokenIsUri = nextSyncIsUri };
        }

        // ---- class members ----------------------------------------------------------------------------------------

        /// <summary>
        /// The readable fields and properties of the class, without explicit interface implementations: the generated
        /// code reads a member as <c>this.Name</c>, and such a property has no name it could use.
        /// </summary>
        private IEnumerable<ISymbol> ValueMembers() =>
            SymbolHelpers.AllMembers(_type)
                .Where(m => SymbolHelpers.ValueType(m) is not null && SymbolHelpers.IsReadable(_compilation, m, _type) && !IsExplicitImplementation(m));

        private static bool IsExplicitImplementation(ISymbol member) => member is IPropertySymbol { ExplicitInterfaceImplementations.Length: > 0 };

        /// <summary>
        /// The fields and properties whose type passes <paramref name="predicate"/>, or, when there is none, the primary
        /// constructor's parameters whose type does (the generated part reads them by name, which captures them). A
        /// member wins over a parameter, so a class that assigns its parameter to a field (<c>_store = store</c>) means
        /// the field, and is not ambiguous.
        /// </summary>
        private List<ISymbol> Candidates(Func<ITypeSymbol, bool> predicate)
        {
            var members = ValueMembers().Where(m => predicate(SymbolHelpers.ValueType(m)!)).ToList();
            return members.Count > 0 ? members
                : PrimaryConstructorParameters().Where(p => !p.PassedToBase && predicate(p.Parameter.Type)).Select(p => (ISymbol)p.Parameter).ToList();
        }

        /// <summary>
        /// The parameters of the class's primary constructor (C# 12, or a record's) that code in the class can read by
        /// name (a member of the same name hides one: a positional record's property, for example), and whether the
        /// class passes it to its base class's constructor: capturing such a parameter as well is warning CS9107 in the
        /// user's code, so it is not a candidate.
        /// </summary>
        private IEnumerable<(IParameterSymbol Parameter, bool PassedToBase)> PrimaryConstructorParameters()
        {
            foreach (var constructor in _type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared))
            {
                var declaration = constructor.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
                if (declaration is null)
                {
                    continue;
                }

                var passedToBase = new HashSet<string>(
                    (declaration.BaseList?.Types ?? default).OfType<PrimaryConstructorBaseTypeSyntax>()
                        .SelectMany(b => b.ArgumentList.DescendantNodes().OfType<IdentifierNameSyntax>())
                        .Select(name => name.Identifier.ValueText),
                    StringComparer.Ordinal);
                foreach (var parameter in constructor.Parameters.Where(p => !SymbolHelpers.AllMembers(_type, p.Name).Any()))
                {
                    yield return (parameter, passedToBase.Contains(parameter.Name));
                }
            }
        }

        /// <summary>Why a store the class seems to hold cannot be its store, for SYNCGEN009's message, or empty.</summary>
        private string UnusableStoreNote()
        {
            var explicitStore = SymbolHelpers.AllMembers(_type)
                .FirstOrDefault(m => IsExplicitImplementation(m) && StoreInterface(SymbolHelpers.ValueType(m)!) is not null);
            if (explicitStore is not null)
            {
                return $" ('{explicitStore.Name}' is an explicit interface implementation, which the generated code cannot read by name: keep the store in a field the property returns)";
            }

            var passed = PrimaryConstructorParameters().FirstOrDefault(p => p.PassedToBase && StoreInterface(p.Parameter.Type) is not null).Parameter;
            return passed is null ? string.Empty
                : $" ('{passed.Name}' is a primary-constructor parameter passed to the base class, which the generated code would capture a second time (CS9107): assign it to a field)";
        }

        private static ITypeSymbol? StoreInterface(ITypeSymbol type)
        {
            static bool IsStore(ITypeSymbol t) =>
                t is INamedTypeSymbol { Name: "ISyncStore", TypeArguments.Length: 1 } && IsRuntimeType(t, "ISyncStore");
            return IsStore(type) ? type : type.AllInterfaces.FirstOrDefault(IsStore);
        }

        /// <summary>
        /// The store member, or <c>null</c>: with <paramref name="useHooks"/> set when the class has no store member at all
        /// but declares a hook method (hooks mode), otherwise after reporting SYNCGEN009 or SYNCGEN007.
        /// </summary>
        private ISymbol? FindStore(ITypeSymbol? elementType, out bool useHooks)
        {
            useHooks = false;
            var stores = Candidates(t => StoreInterface(t) is not null);
            if (stores.Count == 0 && DeclaresAnyHook())
            {
                useHooks = true;
                return null;
            }

            var itemOf = (ISymbol m) => ((INamedTypeSymbol)StoreInterface(SymbolHelpers.ValueType(m)!)!).TypeArguments[0];
            var matching = elementType is null
                ? stores
                : stores.Where(m => SymbolEqualityComparer.Default.Equals(itemOf(m), elementType)).ToList();
            var itemName = elementType?.ToShortName() ?? "TItem";
            if (matching.Count == 0)
            {
                if (stores.Count == 0)
                {
                    Report(DiagnosticDescriptors.MissingStore, _classLocation, ClassName, itemName, UnusableStoreNote(),
                        $"add one such as 'private readonly ISyncStore<{itemName}> _store', or implement the partial hook methods '{LoadSyncTokenHook}' and '{ApplyPassHook}' to apply the changes yourself");
                }
                else
                {
                    Report(DiagnosticDescriptors.MissingStore, _classLocation, ClassName, itemName,
                        $" ('{stores[0].Name}' stores '{itemOf(stores[0]).ToShortName()}' but the page items are '{itemName}')",
                        $"change its type argument to '{itemName}'");
                }

                return null;
            }

            if (matching.Count > 1)
            {
                ReportAmbiguous(matching, $"ISyncStore<{itemName}>", "sync store");
                return null;
            }

            return matching[0];
        }

        // ---- hooks mode -------------------------------------------------------------------------------------------

        private const string LoadSyncTokenHook = "LoadSyncTokenAsync";
        private const string ApplyPassHook = "ApplyPassAsync";

        /// <summary>
        /// Whether the class itself declares an instance method named like a hook: the opt-in to hooks mode, whatever its
        /// signature (a missing hook, or one with other parameters, is SYNCGEN017). A static helper of that name is not a
        /// hook, so a class that only forgot its store still gets SYNCGEN009.
        /// </summary>
        private bool DeclaresAnyHook() =>
            _type.GetMembers(LoadSyncTokenHook).Concat(_type.GetMembers(ApplyPassHook))
                .OfType<IMethodSymbol>()
                .Any(m => m.MethodKind == MethodKind.Ordinary && !m.IsStatic);

        /// <summary>
        /// Whether the user's source already holds the defining declaration of a hook (<c>private partial ...;</c> without a
        /// body), in which case the generated code must not declare it a second time (CS0756).
        /// </summary>
        private bool DeclaresHookDefinition(string name, params ITypeSymbol?[] parameterTypes) =>
            _type.GetMembers(name)
                .OfType<IMethodSymbol>()
                .Any(m => m.IsPartialDefinition && m.Parameters.Length == parameterTypes.Length
                    && m.Parameters.Select((p, i) => SymbolEqualityComparer.Default.Equals(p.Type, parameterTypes[i])).All(same => same));

        private ITypeSymbol? CancellationTokenType() => _compilation.GetTypeByMetadataName("System.Threading.CancellationToken");

        /// <summary>
        /// Whether the class's <c>ApplyPassAsync</c> takes the pass page by page (<c>SyncHookPass&lt;TItem&gt;</c>,
        /// <c>CancellationToken</c>): the hook then has those parameters, and any other shape is checked against them.
        /// </summary>
        private bool TakesPagedPass(ITypeSymbol itemType) =>
            _type.GetMembers(ApplyPassHook).OfType<IMethodSymbol>().Any(m => m.MethodKind == MethodKind.Ordinary && !m.IsStatic && HasParameters(m, PagedApplyPassParameterTypes(itemType)));

        private ITypeSymbol?[] PagedApplyPassParameterTypes(ITypeSymbol itemType) =>
            new[] { _compilation.GetTypeByMetadataName("SyncGen.SyncHookPass`1")?.Construct(itemType), CancellationTokenType() };

        private ITypeSymbol?[] ApplyPassParameterTypes(ITypeSymbol itemType)
        {
            if (TakesPagedPass(itemType))
            {
                return PagedApplyPassParameterTypes(itemType);
            }

            var change = _compilation.GetTypeByMetadataName("SyncGen.SyncChange`1")?.Construct(itemType);
            var list = change is null ? null : _compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyList`1")?.Construct(change);
            return new[]
            {
                _compilation.GetTypeByMetadataName("SyncGen.SyncPassKind"),
                list,
                _compilation.GetSpecialType(SpecialType.System_String),
                CancellationTokenType(),
            };
        }

        private static bool IsLogger(ITypeSymbol type)
        {
            static bool IsILogger(ITypeSymbol t) =>
                t.Name == "ILogger" && t.ContainingNamespace?.ToDisplayString() == "Microsoft.Extensions.Logging";
            return IsILogger(type) || type.AllInterfaces.Any(IsILogger);
        }

        private static bool IsOptions(ITypeSymbol type) => IsRuntimeType(type, "SyncOptions");

        private ISymbol? FindSingle(System.Func<ITypeSymbol, bool> predicate, string type, string role)
        {
            var found = Candidates(predicate);
            if (found.Count > 1)
            {
                ReportAmbiguous(found, type, role);
                return null;
            }

            return found.FirstOrDefault();
        }

        /// <summary>
        /// SYNCGEN007 for two or more <see cref="Candidates"/> of <paramref name="type"/>: all fields and properties, or all
        /// primary-constructor parameters (a member wins over parameters, which is also the fix for those).
        /// </summary>
        private void ReportAmbiguous(List<ISymbol> found, string type, string role)
        {
            var parameters = found[0] is IParameterSymbol;
            Report(DiagnosticDescriptors.AmbiguousMembers, _classLocation, ClassName,
                type + (parameters ? " primary-constructor parameter" : " member"),
                string.Join(", ", found.Select(m => "'" + m.Name + "'")),
                parameters ? $"assign the one to use to a {role} field, which SyncGen reads instead of the parameters" : $"keep only one {role} field or property");
        }

        // ---- item type --------------------------------------------------------------------------------------------

        private (string Member, bool IsString)? ReadKey(ITypeSymbol itemType)
        {
            var name = _settings.Get("KeyMember") ?? "Id";
            var member = SymbolHelpers.FindReadable(_compilation, itemType, name, _type);
            if (member is null)
            {
                Report(DiagnosticDescriptors.MissingKeyMember, _settings.LocationOfSetting("KeyMember", _classLocation), itemType.ToShortName(), name);
                return null;
            }

            Reads(member, "the item's key", _settings.LocationOfSetting("KeyMember", _classLocation));
            return (member.Name, SymbolHelpers.IsString(SymbolHelpers.ValueType(member)));
        }

        /// <summary>What is wrong with <c>DeletedMember</c>, and how to write the marker SyncGen can read.</summary>
        private static string DeletedMemberProblem(string name, ITypeSymbol? memberType)
        {
            const string dialect = "or use a SyncHttpPageSource, whose dialect reads such markers from the JSON";
            if (memberType is null && name.Contains('.'))
            {
                var property = name.Substring(name.LastIndexOf('.') + 1);
                return $"DeletedMember '{name}' is a nested path, and SyncGen reads one member of the item: add 'public bool Is{property} => {name.Replace(".", "?.")} == true' to the item and name it, {dialect}";
            }

            if (memberType is not null && SymbolHelpers.IsString(memberType))
            {
                return $"DeletedMember '{name}' is a string, not bool or bool?: for a status value set StatusMember = \"{name}\" and DeletedStatus to the value that marks a deletion";
            }

            if (memberType is not null)
            {
                return $"DeletedMember '{name}' is a '{memberType.ToShortName()}', not bool or bool?: for a marker whose presence means deletion add 'public bool Is{name} => {name} is not null' to the item and name it, {dialect} (SyncDeletionMarker.Present)";
            }

            return $"DeletedMember '{name}' is not a readable bool or bool? member";
        }

        private DeletionMarker? ReadDeleted(ITypeSymbol itemType)
        {
            var deletedName = _settings.Get("DeletedMember");
            if (deletedName is not null)
            {
                var member = SymbolHelpers.FindReadable(_compilation, itemType, deletedName, _type);
                var memberType = member is null ? null : SymbolHelpers.ValueType(member);
                Reads(member, "the deletion marker", _settings.LocationOf("DeletedMember", _classLocation));
                if (member is not null && SymbolHelpers.IsBool(memberType))
                {
                    return new DeletionMarker(DeletionMarkerKind.Bool, member.Name, null);
                }

                if (member is not null && SymbolHelpers.IsNullableBool(memberType))
                {
                    return new DeletionMarker(DeletionMarkerKind.NullableBool, member.Name, null);
                }

                Report(DiagnosticDescriptors.MissingDeletionMarker, _settings.LocationOf("DeletedMember", _classLocation), itemType.ToShortName(),
                    DeletedMemberProblem(deletedName, memberType));
                return null;
            }

            var statusName = _settings.Get("StatusMember") ?? "Status";
            var status = SymbolHelpers.FindReadable(_compilation, itemType, statusName, _type);
            if (status is null || !SymbolHelpers.IsString(SymbolHelpers.ValueType(status)))
            {
                Report(DiagnosticDescriptors.MissingDeletionMarker, _settings.LocationOfSetting("StatusMember", _classLocation), itemType.ToShortName(),
                    $"it has no readable string member '{statusName}'");
                return null;
            }

            Reads(status, "the deletion status", _settings.LocationOfSetting("StatusMember", _classLocation));
            return new DeletionMarker(DeletionMarkerKind.Status, status.Name, _settings.Get("DeletedStatus") ?? "cancelled");
        }
    }
}
