using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SyncGen.Generator.Parsing;

/// <summary>Symbol queries shared by the parser: member lookup including inherited members, and type tests.</summary>
internal static class SymbolHelpers
{
    /// <summary>Fully qualified, with nested nullable annotations, no top-level annotation.</summary>
    public static readonly SymbolDisplayFormat TypeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Fully qualified without the <c>global::</c> prefix: for namespaces and names in messages.</summary>
    public static readonly SymbolDisplayFormat NameFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    public static string ToTypeSyntax(this ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(TypeFormat);

    public static string ToShortName(this ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    /// <summary>Members of <paramref name="type"/>, its base types and (for interfaces) its base interfaces, most derived first.</summary>
    public static IEnumerable<ISymbol> AllMembers(ITypeSymbol type, string? name = null)
    {
        var seen = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        IEnumerable<ITypeSymbol> types = type.TypeKind == TypeKind.Interface
            ? new[] { type }.Concat(type.AllInterfaces)
            : BaseTypesAndSelf(type);
        foreach (var current in types)
        {
            foreach (var member in name is null ? current.GetMembers() : current.GetMembers(name))
            {
                if (seen.Add(member))
                {
                    yield return member;
                }
            }
        }
    }

    public static IEnumerable<ITypeSymbol> BaseTypesAndSelf(ITypeSymbol type)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            yield return current;
        }
    }

    /// <summary>The type of a field, (non-indexer) property or parameter, or <c>null</c> for other members.</summary>
    public static ITypeSymbol? ValueType(ISymbol member) => member switch
    {
        IFieldSymbol field when !field.IsImplicitlyDeclared => field.Type,
        IPropertySymbol property when !property.IsIndexer => property.Type,
        IParameterSymbol parameter => parameter.Type,
        _ => null,
    };

    /// <summary>Whether code inside <paramref name="within"/> can read <paramref name="member"/> on an instance of <paramref name="through"/>.</summary>
    public static bool IsReadable(Compilation compilation, ISymbol member, INamedTypeSymbol within, ITypeSymbol? through = null) => member switch
    {
        IFieldSymbol field => !field.IsImplicitlyDeclared && compilation.IsSymbolAccessibleWithin(field, within, through),
        IPropertySymbol property => !property.IsIndexer && property.GetMethod is not null
            && compilation.IsSymbolAccessibleWithin(property.GetMethod, within, through),
        _ => false,
    };

    /// <summary>The first readable field or property called <paramref name="name"/>, searching base types too.</summary>
    public static ISymbol? FindReadable(Compilation compilation, ITypeSymbol type, string name, INamedTypeSymbol within) =>
        AllMembers(type, name).FirstOrDefault(m => !m.IsStatic && ValueType(m) is not null && IsReadable(compilation, m, within, type));

    /// <summary>The first settable instance property called <paramref name="name"/>, searching base types too.</summary>
    public static IPropertySymbol? FindSettableProperty(Compilation compilation, ITypeSymbol type, string name, INamedTypeSymbol within) =>
        AllMembers(type, name).OfType<IPropertySymbol>().FirstOrDefault(p =>
            !p.IsStatic && !p.IsIndexer && p.SetMethod is { IsInitOnly: false } setter
            && compilation.IsSymbolAccessibleWithin(setter, within, type));

    public static bool IsString(ITypeSymbol? type) => type?.SpecialType == SpecialType.System_String;

    public static bool IsBool(ITypeSymbol? type) => type?.SpecialType == SpecialType.System_Boolean;

    public static bool IsNullableBool(ITypeSymbol? type) =>
        type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } named
        && named.TypeArguments[0].SpecialType == SpecialType.System_Boolean;

    /// <summary>Whether <c>null</c> may be assigned without a nullability warning.</summary>
    public static bool AcceptsNull(ITypeSymbol type) =>
        type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
        || (type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.NotAnnotated);

    public static bool IsObsolete(ISymbol symbol) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute");

    /// <summary>
    /// For a symbol marked [Obsolete] (it, or the type that contains it): whether as an error; <c>null</c> when it is not
    /// obsolete.
    /// </summary>
    public static bool? ObsoleteAsError(ISymbol symbol)
    {
        for (var current = symbol; current is not null; current = current.ContainingType)
        {
            var attribute = current.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute");
            if (attribute is not null)
            {
                return attribute.ConstructorArguments.Length == 2 && attribute.ConstructorArguments[1].Value is true;
            }
        }

        return null;
    }

    /// <summary>The <c>T</c> of a <c>T[]</c> or a type that is or implements exactly one <c>IEnumerable&lt;T&gt;</c>.</summary>
    public static ITypeSymbol? ElementType(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            return array.ElementType;
        }

        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T } enumerable)
        {
            return enumerable.TypeArguments[0];
        }

        var implemented = type.AllInterfaces
            .Where(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            .ToList();
        return implemented.Count == 1 ? implemented[0].TypeArguments[0] : null;
    }

    /// <summary>The <c>T</c> of a <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>.</summary>
    public static ITypeSymbol? TaskResultType(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named)
        {
            var name = named.OriginalDefinition.ToDisplayString();
            if (name is "System.Threading.Tasks.Task<TResult>" or "System.Threading.Tasks.ValueTask<TResult>")
            {
                return named.TypeArguments[0];
            }
        }

        return null;
    }

    public static bool IsTaskLike(ITypeSymbol type)
    {
        var name = type.OriginalDefinition.ToDisplayString();
        return name is "System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask"
            or "System.Threading.Tasks.Task<TResult>" or "System.Threading.Tasks.ValueTask<TResult>";
    }

    /// <summary>The source location of a symbol, or <paramref name="fallback"/> when it is declared in metadata.</summary>
    public static Location SourceLocation(ISymbol symbol, Location fallback) =>
        symbol.Locations.FirstOrDefault(l => l.IsInSource) ?? fallback;
}
