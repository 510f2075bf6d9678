using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace SyncGen.Generator.Parsing;

/// <summary>The named arguments of one [IncrementalSync] application, and where each was written.</summary>
internal sealed class AttributeSettings
{
    private readonly AttributeData _attribute;
    private readonly AttributeSyntax? _syntax;

    private AttributeSettings(AttributeData attribute, AttributeSyntax? syntax)
    {
        _attribute = attribute;
        _syntax = syntax;
    }

    public static AttributeSettings Read(AttributeData attribute, CancellationToken cancellationToken) =>
        new(attribute, attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax);

    /// <summary>The string value of a named argument, or <c>null</c> when it is not set.</summary>
    public string? Get(string name)
    {
        foreach (var argument in _attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is string value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>The location of a named argument, or <paramref name="fallback"/> when it was not written.</summary>
    public Location LocationOf(string name, Location fallback)
    {
        var argument = _syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
        return argument?.GetLocation() ?? fallback;
    }

    /// <summary>The location of a named argument when it was set, or <paramref name="fallback"/>.</summary>
    public Location LocationOfSetting(string name, Location fallback) => Get(name) is null ? fallback : LocationOf(name, fallback);
}
