using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace SyncGen.Runtime.Tests.Engine;

/// <summary>A logger that keeps every formatted line, at every level, for tests to read.</summary>
internal sealed class ListLogger : ILogger
{
    public List<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
        {
            Lines.Add(formatter(state, exception));
        }
    }
}
