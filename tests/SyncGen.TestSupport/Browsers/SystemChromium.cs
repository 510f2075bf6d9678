using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SyncGen.TestSupport.Browsers;

/// <summary>
/// The system's Chromium for browser tests, driven by Playwright through its executable path instead of a browser
/// Playwright downloads. Found in <c>SYNCGEN_CHROMIUM</c>, <c>/usr/bin/chromium</c>, <c>/usr/bin/chromium-browser</c> or
/// the PATH; when missing and running as root on a system with apt-get, Debian's <c>chromium</c> package is installed.
/// </summary>
public static class SystemChromium
{
    /// <summary>The environment variable naming a Chromium executable to use.</summary>
    public const string ExecutableVariable = "SYNCGEN_CHROMIUM";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Returns the path of a Chromium executable, installing the package first when there is none.</summary>
    /// <param name="cancellationToken">Cancels an install.</param>
    /// <exception cref="InvalidOperationException">No Chromium and none could be installed (the message says how to get one).</exception>
    public static async Task<string> FindOrInstallAsync(CancellationToken cancellationToken = default)
    {
        if (Find() is { } found)
        {
            return found;
        }

        await InstallLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find() is { } meanwhile)
            {
                return meanwhile;
            }

            if (Environment.IsPrivilegedProcess && File.Exists("/usr/bin/apt-get"))
            {
                // The package lists may be missing or stale on a fresh machine; the dpkg lock timeout waits for an install
                // another test assembly runs at the same time (PostgreSQL's, say) instead of failing on its lock.
                await AptGetAsync(["-o", "DPkg::Lock::Timeout=600", "update", "-q"], cancellationToken).ConfigureAwait(false);
                await AptGetAsync(["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q", "chromium"], cancellationToken).ConfigureAwait(false);
                if (Find() is { } installed)
                {
                    return installed;
                }
            }
        }
        finally
        {
            InstallLock.Release();
        }

        throw new InvalidOperationException(
            $"No Chromium was found in ${ExecutableVariable}, /usr/bin or the PATH, and it could not be installed: install it (Debian/Ubuntu: apt-get install chromium) or set {ExecutableVariable} to its executable.");
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"${ExecutableVariable} names '{configured}', which does not exist.");
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .Concat(path.SelectMany(dir => new[] { Path.Combine(dir, "chromium"), Path.Combine(dir, "chromium-browser") }))
            .FirstOrDefault(File.Exists);
    }

    private static async Task AptGetAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("apt-get") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("apt-get did not start.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InstallTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"apt-get {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
    }
}
