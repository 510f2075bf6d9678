using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SyncGen.TestSupport.WireMock;

/// <summary>Finds what a local WireMock needs: the standalone jar and a Java runtime. Messages say what to install.</summary>
internal static class WireMockDiscovery
{
    /// <summary>See <see cref="JavaWireMockServer.FindJar"/>.</summary>
    public static string FindJar(JavaWireMockOptions? options = null)
    {
        options ??= new JavaWireMockOptions();
        if (options.JarPath is { } configured)
        {
            string full = Path.GetFullPath(configured);
            if (File.Exists(full))
            {
                return full;
            }

            throw new WireMockUnavailableException(
                $"The WireMock jar was not found at '{full}' (from JavaWireMockOptions.JarPath or {JavaWireMockOptions.JarPathVariable}). " +
                $"Run `npm ci` in the repository root (package.json pins wiremock 3.13.2, which ships node_modules/wiremock/build/wiremock-standalone-3.13.2.jar), " +
                $"set {JavaWireMockOptions.JarPathVariable} to an existing wiremock-standalone jar, or set {JavaWireMockOptions.ExternalUrlVariable} to a running WireMock.");
        }

        var searched = new List<string>();
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() }.Distinct(StringComparer.Ordinal))
        {
            for (DirectoryInfo? dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string build = Path.Combine(dir.FullName, "node_modules", "wiremock", "build");
                searched.Add(build);
                if (!Directory.Exists(build))
                {
                    continue;
                }

                string? jar = Directory.GetFiles(build, "wiremock-standalone-*.jar")
                    .OrderByDescending(p => ParseJarVersion(p))
                    .ThenByDescending(p => p, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (jar is not null)
                {
                    return jar;
                }
            }
        }

        throw new WireMockUnavailableException(
            "The WireMock jar was not found (no node_modules/wiremock/build/wiremock-standalone-*.jar above " +
            $"'{AppContext.BaseDirectory}' or the current directory). Run `npm ci` in the repository root (package.json pins wiremock 3.13.2), " +
            $"or set {JavaWireMockOptions.JarPathVariable} to a wiremock-standalone jar, or set {JavaWireMockOptions.ExternalUrlVariable} to a running WireMock.");
    }

    /// <summary>See <see cref="JavaWireMockServer.FindJava"/>.</summary>
    public static string FindJava(JavaWireMockOptions? options = null)
    {
        options ??= new JavaWireMockOptions();
        string exe = OperatingSystem.IsWindows() ? "java.exe" : "java";
        if (options.JavaPath is { } configured)
        {
            if (File.Exists(configured))
            {
                return Path.GetFullPath(configured);
            }

            throw new WireMockUnavailableException(
                $"Java was not found at '{configured}' (JavaWireMockOptions.JavaPath). Install a JDK/JRE 17+ " +
                $"(e.g. apt-get install openjdk-17-jre-headless), or set {JavaWireMockOptions.ExternalUrlVariable} to a running WireMock.");
        }

        string? javaHome = Environment.GetEnvironmentVariable("JAVA_HOME");
        if (!string.IsNullOrWhiteSpace(javaHome))
        {
            string candidate = Path.Combine(javaHome, "bin", exe);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir.Trim('"'), exe);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new WireMockUnavailableException(
            "Java 17+ was not found on PATH (nor in $JAVA_HOME/bin); install a JDK or JRE 17+ " +
            $"(e.g. apt-get install openjdk-17-jre-headless) or set {JavaWireMockOptions.ExternalUrlVariable} to a running WireMock.");
    }

    private static Version ParseJarVersion(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        string text = name.Substring("wiremock-standalone-".Length);
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            text = text.Substring(0, dash);
        }

        return Version.TryParse(text, out Version? version) ? version : new Version(0, 0);
    }
}
