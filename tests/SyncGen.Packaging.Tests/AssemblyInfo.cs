using NUnit.Framework;

// Fixtures side by side: each works in a temporary folder of its own (a consumer, the sample, the template user, a git
// clone) and the packed feed is only read once packed, so the in-process generator tests and the clone's version check
// run while the packages are packed, and the consumer, sample and template builds overlap. Tests of one fixture still
// run one after another (ConsumerTests' tests share its built consumer).
[assembly: Parallelizable(ParallelScope.Fixtures)]
