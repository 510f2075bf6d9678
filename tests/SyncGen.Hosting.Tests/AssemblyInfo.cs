using NUnit.Framework;

// Heavy tests (worker processes, a Quartz cluster): one at a time keeps the 2-core CI budget predictable. The exception
// is FleetClusterTests, whose two chaos runs overlap each other (see there).
[assembly: NonParallelizable]
