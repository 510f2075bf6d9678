using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace GraphSync.Commands;

/// <summary>The demo on SyncGen's embedded server in the Graph dialect.</summary>
internal static class DemoCommand
{
    public static Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken)
    {
        // Filled in once the test kit's embedded server speaks the Graph dialect.
        System.Console.Error.WriteLine("error: the demo needs the test kit's Graph server, which this build does not have yet");
        return Task.FromResult(ExitCodes.Internal);
    }
}
