using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace SyncGen.TestSupport.WireMock;

/// <summary>Options of <see cref="JavaWireMockServer.StartAsync"/>.</summary>
public sealed class JavaWireMockOptions
{
    /// <summary>The environment variable naming an already running WireMock (e.g. a container): <c>WIREMOCK_URL</c>.</summary>
    public const string ExternalUrlVariable = "WIREMOCK_URL";

    /// <summary>The environment variable naming the WireMock standalone jar: <c>WIREMOCK_JAR</c>.</summary>
    public const string JarPathVariable = "WIREMOCK_JAR";

    /// <summary>
    /// The base URL of an already running WireMock (e.g. <c>http://localhost:8080/</c>). When set, no process is started:
    /// the server is reset on start and left running on dispose. Defaults to the <c>WIREMOCK_URL</c> environment variable;
    /// set it to null to always start a local process.
    /// </summary>
    public string? ExternalUrl { get; init; } = NullIfEmpty(Environment.GetEnvironmentVariable(ExternalUrlVariable));

    /// <summary>
    /// The WireMock standalone jar to run. Defaults to the <c>WIREMOCK_JAR</c> environment variable; when that is unset too,
    /// the directories above <see cref="AppContext.BaseDirectory"/> (then above the current directory) are searched for
    /// <c>node_modules/wiremock/build/wiremock-standalone-*.jar</c>, which <c>npm ci</c> installs in this repository.
    /// </summary>
    public string? JarPath { get; init; } = NullIfEmpty(Environment.GetEnvironmentVariable(JarPathVariable));

    /// <summary>
    /// The java executable. When null (the default) <c>$JAVA_HOME/bin/java</c> is used if it exists, else <c>java</c> on PATH.
    /// </summary>
    public string? JavaPath { get; init; }

    /// <summary>
    /// The WireMock root directory (<c>--root-dir</c>): its <c>mappings/*.json</c> and <c>__files</c> are loaded on start and
    /// restored by <see cref="WireMockAdminClient.ResetAsync"/>. When null (the default) an empty temporary directory is
    /// created and deleted on dispose, so nothing is read from the current directory.
    /// </summary>
    public string? RootDirectory { get; init; }

    /// <summary>The port on 127.0.0.1; 0 (the default) lets WireMock pick a free port, read back from its output.</summary>
    public int Port { get; init; }

    /// <summary>How long to wait for the process to listen and its admin API to answer (default 60 seconds).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Options given to the JVM before <c>-jar</c>. The default favours start-up time over peak throughput
    /// (<c>-XX:TieredStopAtLevel=1 -XX:+UseSerialGC</c>); set an empty list to pass none.
    /// </summary>
    public IReadOnlyList<string> JvmArguments { get; init; } = new[] { "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC" };

    /// <summary>Further WireMock command-line options appended after the defaults (e.g. <c>--verbose</c>).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = Array.Empty<string>();

    /// <summary>Receives WireMock's output (Debug) and start/stop events (Information); nothing is logged when null.</summary>
    public ILogger? Logger { get; init; }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
