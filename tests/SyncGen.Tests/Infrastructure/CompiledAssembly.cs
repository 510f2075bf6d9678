using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace SyncGen.Tests.Infrastructure;

/// <summary>Compiles a generator run's output to memory and runs code from it.</summary>
internal static class CompiledAssembly
{
    /// <summary>Emits the output compilation; fails on any warning or error, in user or generated code.</summary>
    public static Assembly Emit(GeneratorRun run)
    {
        Assert.That(run.Diagnostics, Is.Empty, "generator diagnostics");
        var problems = run.OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
        Assert.That(problems, Is.Empty, "compilation of user plus generated code");

        using var image = new MemoryStream();
        var result = run.OutputCompilation.Emit(image);
        Assert.That(result.Success, Is.True, string.Join(Environment.NewLine, result.Diagnostics));
        image.Position = 0;
        var context = new AssemblyLoadContext("SyncGen.Tests." + Guid.NewGuid().ToString("N"), isCollectible: true);
        return context.LoadFromStream(image);
    }

    /// <summary>Runs the static <c>Task&lt;string&gt; RunAsync()</c> of <paramref name="typeName"/>.</summary>
    public static async Task<string> RunHarnessAsync(Assembly assembly, string typeName)
    {
        var type = assembly.GetType(typeName, throwOnError: true)!;
        var method = type.GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)!;
        var text = await (Task<string>)method.Invoke(null, null)!;
        return text.Replace("\r\n", "\n");
    }
}
