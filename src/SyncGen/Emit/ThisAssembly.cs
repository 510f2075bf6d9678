namespace SyncGen.Generator.Emit;

/// <summary>The generator version written into <c>GeneratedCode</c> attributes.</summary>
internal static class ThisAssembly
{
    public const string Version = "0.1.0";
}
