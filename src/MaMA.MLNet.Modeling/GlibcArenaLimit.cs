using System.Runtime.InteropServices;

namespace MaMA.MLNet.Modeling;

/// <summary>
/// Caps glibc's malloc arenas for the process. glibc gives each thread that contends for the heap its own arena (up to
/// 8 per core); libtorch tensors made on data-loading threads and freed on the training thread leave those arenas
/// fragmented, and their memory is not returned: a 400-step `mama demo` grew from 1.3 to 7.3 GB by step 190, and with
/// two arenas stayed at ~2 GB. (The default 1,200-step demo still grows ~23 MB per step with the cap: a second cause,
/// not found yet.) The cap is what <c>MALLOC_ARENA_MAX=2</c> does, set from inside the process because a library
/// cannot set the environment of its host.
/// </summary>
public static class GlibcArenaLimit
{
    private const int MArenaMax = -8; // M_ARENA_MAX in glibc's malloc.h

    /// <summary>The cap <see cref="Apply"/> sets unless <c>MALLOC_ARENA_MAX</c> is set.</summary>
    public const int DefaultArenas = 2;

    /// <summary>
    /// Sets the cap once per process on Linux with glibc (a no-op elsewhere, and when the user set
    /// <c>MALLOC_ARENA_MAX</c>, which glibc has read already). Returns whether this call or an earlier one set it.
    /// </summary>
    public static bool Apply(int arenas = DefaultArenas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(arenas, 1);
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null) return false;
        lock (Gate)
        {
            if (_applied) return true;
            try
            {
                _applied = mallopt(MArenaMax, arenas) == 1;
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _applied = false; // not glibc (musl has no mallopt arena control)
            }
            return _applied;
        }
    }

    private static readonly object Gate = new();
    private static bool _applied;

    // libc.so.6, not "libc": on Debian libc.so is a linker script that dlopen cannot load.
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
