// The store contract suite (and its TestItem) lives in the test kit, SyncGen.Testing, so that the PostgreSQL store's tests
// and users' own stores run the very same suite.
global using SyncGen.Testing.Stores;
