using NUnit.Framework;

// The fixtures are heavy (each runs its own fake server and up to 16 syncs at a time); running them one after another
// keeps the 2-core CI budget predictable. Parallelism lives inside each test, bounded.
[assembly: NonParallelizable]
