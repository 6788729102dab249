using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MaMA.MLNet.Imaging.Dicom;

namespace MaMA.MLNet.Imaging.Codecs;

/// <summary>
/// Finds the system codec libraries by their sonames. The [LibraryImport] declarations name the libraries
/// "openjp2" and "charls"; this resolver, registered for the assembly when it loads, tries the versioned Linux
/// soname first (the Debian runtime packages install only that, not the unversioned development link), then the
/// plain names that macOS and Windows use. Other library names fall through to the runtime's default probing.
/// </summary>
internal static class NativeCodecLibraries
{
    /// <summary>The name the OpenJPEG imports use.</summary>
    public const string OpenJpeg = "openjp2";

    /// <summary>The name the CharLS imports use.</summary>
    public const string CharLS = "charls";

    private static readonly Dictionary<string, (string[] Candidates, string Soname, string Package)> Libraries = new()
    {
        [OpenJpeg] = (["libopenjp2.so.7", "libopenjp2.so", "libopenjp2.7.dylib", "libopenjp2.dylib", "openjp2"], "libopenjp2.so.7", "libopenjp2-7"),
        [CharLS] = (["libcharls.so.2", "libcharls.so", "libcharls.2.dylib", "libcharls.dylib", "charls-2-x64", "charls"], "libcharls.so.2", "libcharls2"),
    };

    private static readonly Dictionary<string, nint> Loaded = [];

#pragma warning disable CA2255 // registering the resolver before any import runs is exactly what a module initializer is for
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeCodecLibraries).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (!Libraries.ContainsKey(name)) return 0;
        return TryLoad(name, out var handle) ? handle : 0;
    }

    private static bool TryLoad(string name, out nint handle)
    {
        lock (Loaded)
        {
            if (Loaded.TryGetValue(name, out handle)) return handle != 0;
            foreach (var candidate in Libraries[name].Candidates)
            {
                if (NativeLibrary.TryLoad(candidate, typeof(NativeCodecLibraries).Assembly, null, out handle))
                {
                    Loaded[name] = handle;
                    return true;
                }
            }
            Loaded[name] = 0;
            handle = 0;
            return false;
        }
    }

    /// <summary>True when the library loads (the tests use this to name the missing package).</summary>
    public static bool IsAvailable(string name) => TryLoad(name, out _);

    /// <summary>Loads the library or throws the exception that names its apt package.</summary>
    /// <exception cref="DicomCodecMissingException">The library is not installed.</exception>
    public static void Require(string name, string source)
    {
        if (!TryLoad(name, out _))
        {
            var (_, soname, package) = Libraries[name];
            throw new DicomCodecMissingException(source, soname, package);
        }
    }

    /// <summary>The exception for a library that loads but lacks a function (a version too old).</summary>
    public static DicomCodecMissingException WrongVersion(string name, string source, Exception inner)
    {
        var (_, soname, package) = Libraries[name];
        return new DicomCodecMissingException(source, soname, package, inner);
    }
}
