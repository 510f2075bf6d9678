using System;
using System.Collections.Generic;
using System.Net.Http;
using SyncGen;

namespace SyncGen.Dialects.Tests;

/// <summary>A Microsoft Graph directory user, as <c>users/delta?$select=displayName</c> lists it.</summary>
public sealed record User(string Id, string? DisplayName);

/// <summary>A Google People connection with its names.</summary>
public sealed record Person(string ResourceName, IReadOnlyList<PersonName>? Names)
{
    public string? DisplayName => Names is { Count: > 0 } names ? names[0].DisplayName : null;
}

/// <summary>One name of a <see cref="Person"/>.</summary>
public sealed record PersonName(string? DisplayName);

/// <summary>A Google Drive file, as a change's <c>file</c> and a <c>files</c> listing show it.</summary>
public sealed record DriveFile(string Id, string? Name);

/// <summary>A Google Calendar event, read through the Calendar dialect (no Google.Apis).</summary>
public sealed record CalendarEvent(string Id, string? Summary);

/// <summary>Mirrors directory users through the Graph dialect: what a Graph user writes.</summary>
[IncrementalSync]
public partial class DirectoryUsers
{
    private readonly SyncHttpPageSource<User> _users;
    private readonly ISyncStore<User> _store;
    private readonly SyncOptions _options;

    public DirectoryUsers(HttpClient http, Uri endpoint, ISyncStore<User> store, SyncOptions options)
    {
        _users = new SyncHttpPageSource<User>(http, SyncDialects.MicrosoftGraph, endpoint);
        _store = store;
        _options = options;
    }
}

/// <summary>Mirrors the user's contacts through the People dialect.</summary>
[IncrementalSync]
public partial class Contacts
{
    private readonly SyncHttpPageSource<Person> _people;
    private readonly ISyncStore<Person> _store;
    private readonly SyncOptions _options;

    public Contacts(HttpClient http, Uri endpoint, ISyncStore<Person> store, SyncOptions options)
    {
        _people = new SyncHttpPageSource<Person>(http, SyncDialects.GooglePeople, endpoint);
        _store = store;
        _options = options;
    }
}

/// <summary>Mirrors Drive files through the Drive changes dialect.</summary>
[IncrementalSync]
public partial class DriveMirror
{
    private readonly SyncHttpPageSource<DriveFile> _changes;
    private readonly ISyncStore<DriveFile> _store;
    private readonly SyncOptions _options;

    public DriveMirror(HttpClient http, Uri endpoint, ISyncStore<DriveFile> store, SyncOptions options)
    {
        _changes = new SyncHttpPageSource<DriveFile>(http, SyncDialects.GoogleDrive, endpoint);
        _store = store;
        _options = options;
    }
}

/// <summary>Mirrors calendar events through the Calendar dialect's HTTP page source.</summary>
[IncrementalSync]
public partial class CalendarMirror
{
    private readonly SyncHttpPageSource<CalendarEvent> _events;
    private readonly ISyncStore<CalendarEvent> _store;
    private readonly SyncOptions _options;

    public CalendarMirror(HttpClient http, Uri endpoint, ISyncStore<CalendarEvent> store, SyncOptions options)
    {
        _events = new SyncHttpPageSource<CalendarEvent>(http, SyncDialects.GoogleCalendar, endpoint);
        _store = store;
        _options = options;
    }
}
