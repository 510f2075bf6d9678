using System;
using System.Net;
using System.Net.Sockets;

namespace SyncGen.Tests.Shared;

/// <summary>A loopback port that refuses connections for as long as this is held, for tests of an unreachable server.</summary>
/// <remarks>
/// The port is bound but never listened on: a connection to it is refused at once, and no other process can bind it
/// meanwhile. A port found free and then released could be taken by another test's server before it is used.
/// </remarks>
internal sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>The port number.</summary>
    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
