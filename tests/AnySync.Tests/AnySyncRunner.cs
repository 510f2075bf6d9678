using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;

namespace AnySync.Tests;

/// <summary>The sample as a user runs it: a separate process, its exit code, its stdout and stderr.</summary>
internal static class AnySyncRunner
{
    internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

    public static async Task<ProcessResult> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };

        // Failures are retried after milliseconds (the hidden setting CalendarSync shares), so a failing server costs no real backoff.
        start.Environment["SYNCGEN_RETRY_BASE_DELAY_MS"] = "10";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AnySync.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"AnySync did not exit within 2 minutes: {string.Join(' ', arguments)}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
