using NUnit.Framework;

// Heavy tests (worker processes, a Quartz cluster): one at a time keeps the 2-core CI budget predictable.
[assembly: NonParallelizable]
