using System.Runtime.CompilerServices;

// The endpoint tests reach the package's internal pieces (the status model, the notification parser) directly.
[assembly: InternalsVisibleTo("SyncGen.AspNetCore.Tests")]
