using System;
using System.Runtime.InteropServices;

namespace SyncGen;

/// <summary>
/// What <c>statx(2)</c> says about a path on Linux: its type, owner, size and change times. .NET shows neither the
/// type of a special file (a FIFO is a "file" of length 0) nor its owner, and the store needs both: opening a FIFO
/// blocks in the kernel, past any cancellation, and a side file of another user makes the store unwritable.
/// </summary>
/// <remarks>
/// <c>statx</c> is used rather than <c>stat</c> because its buffer has one layout on every Linux architecture. On other
/// systems, or a libc without it, <see cref="TryGet"/> answers null and the store works as it did without these checks.
/// </remarks>
internal readonly record struct UnixFileStatus(UnixFileStatus.Kind Type, uint OwnerId, long Size, long InodeNumber, long ChangedNanoseconds, long ModifiedNanoseconds)
{
    /// <summary>The file types of <c>S_IFMT</c>.</summary>
    public enum Kind
    {
        /// <summary>A type this enum does not name.</summary>
        Other,

        /// <summary>A regular file.</summary>
        Regular,

        /// <summary>A directory.</summary>
        Directory,

        /// <summary>A FIFO (named pipe).</summary>
        Fifo,

        /// <summary>A character device.</summary>
        CharacterDevice,

        /// <summary>A block device.</summary>
        BlockDevice,

        /// <summary>A Unix domain socket.</summary>
        Socket,
    }

    private const int AtCurrentDirectory = -100;

    // STATX_TYPE | STATX_MODE | STATX_UID | STATX_MTIME | STATX_CTIME | STATX_INO | STATX_SIZE
    private const uint Wanted = 0x1 | 0x2 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200;

    /// <summary>The path's status, following symbolic links; null when it does not exist or the system cannot say.</summary>
    public static UnixFileStatus? TryGet(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var buffer = new byte[256];
        try
        {
            if (NativeMethods.statx(AtCurrentDirectory, path, 0, Wanted, buffer) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        var mode = MemoryMarshal.Read<ushort>(buffer.AsSpan(28));
        var type = (mode & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            0x1000 => Kind.Fifo,
            0x2000 => Kind.CharacterDevice,
            0x6000 => Kind.BlockDevice,
            0xC000 => Kind.Socket,
            _ => Kind.Other,
        };
        return new UnixFileStatus(
            type,
            OwnerId: MemoryMarshal.Read<uint>(buffer.AsSpan(20)),
            Size: MemoryMarshal.Read<long>(buffer.AsSpan(40)),
            InodeNumber: MemoryMarshal.Read<long>(buffer.AsSpan(32)),
            ChangedNanoseconds: Timestamp(buffer, 96),
            ModifiedNanoseconds: Timestamp(buffer, 112));
    }

    /// <summary>The effective user id of this process; null off Linux.</summary>
    public static uint? EffectiveUserId => OperatingSystem.IsLinux() ? NativeMethods.geteuid() : null;

    /// <summary>Whether this process may write the path (<c>access(2)</c>); null off Linux.</summary>
    public static bool? IsWritable(string path) => OperatingSystem.IsLinux() ? NativeMethods.access(path, WriteAccess) == 0 : null;

    private const int WriteAccess = 2; // W_OK

    /// <summary>The type as a user reads it in an error message.</summary>
    public string TypeName => Type switch
    {
        Kind.Fifo => "a FIFO (named pipe)",
        Kind.CharacterDevice => "a character device",
        Kind.BlockDevice => "a block device",
        Kind.Socket => "a socket",
        Kind.Directory => "a directory",
        Kind.Regular => "a regular file",
        _ => "a special file",
    };

    // The buffer is in the machine's byte order. struct statx_timestamp { s64 tv_sec; u32 tv_nsec; s32 reserved; }
    private static long Timestamp(byte[] buffer, int offset) =>
        (MemoryMarshal.Read<long>(buffer.AsSpan(offset)) * 1_000_000_000L) + MemoryMarshal.Read<uint>(buffer.AsSpan(offset + 8));

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA2101 // Strings are UTF-8 on Unix, which is what the kernel takes.
        public static extern int statx(int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
#pragma warning restore CA2101

        [DllImport("libc")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA2101 // Strings are UTF-8 on Unix, which is what the kernel takes.
        public static extern int access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);
#pragma warning restore CA2101
    }
}
