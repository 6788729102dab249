using System.Diagnostics;
using MaMA.MLNet.Build;

namespace MaMA.MLNet.Modeling.Tests.Build;

[TestClass]
public sealed class LibTorchSharpVersionFixTests
{
    private const string Version = "GLIBCXX_3.4.32";

    /// <summary>The library as the build left it in this test host's output folder.</summary>
    private static string OutputCopy =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The untouched library in the NuGet cache, found the way NuGet lays it out.</summary>
    private static string CacheCopy
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string version = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
            return Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    [TestMethod]
    public void BuildOutputCopyHasTheVersionNeedMarkedWeak_AsReadelfReadsIt()
    {
        Assert.IsTrue(File.Exists(OutputCopy), $"missing {OutputCopy}");
        string line = ReadelfVersionLine(OutputCopy);
        StringAssert.Contains(line, "Flags: WEAK");
    }

    [TestMethod]
    public void BuildChangedOnlyTheFlagBytesAndLeftTheNuGetCacheAlone()
    {
        Assert.IsTrue(File.Exists(CacheCopy), $"NuGet cache copy not found at {CacheCopy} (set NUGET_PACKAGES if the cache lives elsewhere)");
        byte[] original = File.ReadAllBytes(CacheCopy);
        byte[] patched = File.ReadAllBytes(OutputCopy);
        Assert.AreEqual(original.Length, patched.Length);
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        int flags = ElfVersionNeedPatcher.FindVersionNeedFlagOffsets(original, Version).Single();
        CollectionAssert.AreEqual(new[] { flags }, differing, "only the low byte of vna_flags may change");
        Assert.AreEqual(ElfVersionNeedPatcher.VerFlagWeak, patched[flags] & ElfVersionNeedPatcher.VerFlagWeak);
        StringAssert.Contains(ReadelfVersionLine(CacheCopy), "Flags: none");
    }

    [TestMethod]
    public void PatchingIsIdempotentAndKeepsTheTimestamp()
    {
        string dir = Directory.CreateTempSubdirectory("mama-elf-").FullName;
        try
        {
            string file = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(CacheCopy, file);
            var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(file, stamp);
            var first = PatchLibTorchSharpVersionNeeds.PatchFile(file, Version);
            byte[] once = File.ReadAllBytes(file);
            var second = PatchLibTorchSharpVersionNeeds.PatchFile(file, Version);
            CollectionAssert.AreEqual(once, File.ReadAllBytes(file));
            Assert.AreEqual(VersionNeedPatchResult.AlreadyWeak, second);
            Assert.AreEqual(VersionNeedPatchResult.Patched, first);
            Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(file));
            Assert.AreEqual(0, Directory.GetFiles(dir, "*.tmp").Length, "no temporary file is left behind");
            StringAssert.Contains(ReadelfVersionLine(file), "Flags: WEAK");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void AVersionTheFileDoesNotNeedIsLeftAlone()
    {
        byte[] bytes = File.ReadAllBytes(OutputCopy);
        byte[] copy = (byte[])bytes.Clone();
        Assert.AreEqual(VersionNeedPatchResult.NotNeeded, ElfVersionNeedPatcher.MakeVersionNeedWeak(copy, "GLIBCXX_9.9.99"));
        CollectionAssert.AreEqual(bytes, copy);
        // A prefix of a real name is not that name.
        Assert.AreEqual(VersionNeedPatchResult.NotNeeded, ElfVersionNeedPatcher.MakeVersionNeedWeak(copy, "GLIBCXX_3.4.3"));
    }

    [TestMethod]
    public void MalformedFilesAreRejectedWithAClearError()
    {
        Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionNeedPatcher.MakeVersionNeedWeak(new byte[100], Version));
        byte[] elf = File.ReadAllBytes(OutputCopy);
        byte[] truncated = elf.AsSpan(0, 4096).ToArray();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionNeedPatcher.MakeVersionNeedWeak(truncated, Version));
        StringAssert.Contains(e.Message, "outside the file");
        byte[] big = (byte[])elf.Clone();
        big[5] = 2; // big-endian
        Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionNeedPatcher.MakeVersionNeedWeak(big, Version));
    }

    private static string ReadelfVersionLine(string file)
    {
        var psi = new ProcessStartInfo("readelf", ["-V", "-W", file]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.AreEqual(0, p.ExitCode, "readelf failed");
        return output.Split('\n').Single(l => l.Contains("Name: " + Version + " "));
    }
}
