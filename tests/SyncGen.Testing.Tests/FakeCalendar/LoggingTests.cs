using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using SyncGen.Testing.FakeServer;

namespace SyncGen.Testing.Tests.FakeCalendarTests;

public sealed class LoggingTests
{
    [Test]
    public async Task Logger_factory_receives_the_hosts_logs()
    {
        var provider = new CapturingProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(provider).SetMinimumLevel(LogLevel.Information));
        await using (var server = await FakeCalendarServer.StartAsync(new FakeCalendarServerOptions { LoggerFactory = factory }))
        {
            using var api = new FakeCalendarApi(server);
            await api.GetAsync(string.Empty);
        }

        Assert.That(provider.Categories.Keys.Any(category => category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)), Is.True);
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentDictionary<string, int> Categories { get; } = new();

        public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class CapturingLogger(CapturingProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Categories.AddOrUpdate(category, 1, (_, count) => count + 1);
        }
    }
}
