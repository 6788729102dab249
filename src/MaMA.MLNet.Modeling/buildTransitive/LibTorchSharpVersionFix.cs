#nullable enable
// Makes TorchSharp's native shim load on Linux distributions whose libstdc++ predates GCC 13
// (Debian 12, Ubuntu 22.04: GLIBCXX_3.4.30 at most).
//
// libLibTorchSharp.so from TorchSharp 0.107 lists GLIBCXX_3.4.32 in its version needs. Its only symbol of
// that version, std::ios_base_library_init(), is a `.globl` reference that no relocation uses, so nothing
// ever binds to it. Marking that version need VER_FLG_WEAK (0x2 in vna_flags of .gnu.version_r) turns the
// loader's hard error into no error at all; every other byte stays as it was.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory from the package's buildTransitive
// folder (so consumers need no extra assembly), and into the unit tests. It therefore targets the API
// surface of netstandard2.0.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MaMA.MLNet.Build
{
    /// <summary>What <see cref="ElfVersionNeedPatcher.MakeVersionNeedWeak"/> found and did.</summary>
    public enum VersionNeedPatchResult
    {
        /// <summary>The version need was strong and is now weak.</summary>
        Patched,
        /// <summary>The version need was already weak: nothing changed.</summary>
        AlreadyWeak,
        /// <summary>The file needs no such version: nothing changed.</summary>
        NotNeeded,
    }

    /// <summary>Reads and edits the version-needs table (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF file.</summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary>The vna_flags bit that makes a missing version a non-fatal condition for the dynamic loader.</summary>
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>
        /// Finds every <c>Vernaux</c> entry named <paramref name="versionName"/> and sets its weak flag in place.
        /// </summary>
        /// <exception cref="InvalidDataException">The bytes are not a well-formed 64-bit little-endian ELF file.</exception>
        public static VersionNeedPatchResult MakeVersionNeedWeak(byte[] elf, string versionName)
        {
            var offsets = FindVersionNeedFlagOffsets(elf, versionName);
            if (offsets.Length == 0) return VersionNeedPatchResult.NotNeeded;
            bool changed = false;
            foreach (int flagsOffset in offsets)
            {
                ushort flags = ReadU16(elf, flagsOffset);
                if ((flags & VerFlagWeak) != 0) continue;
                WriteU16(elf, flagsOffset, (ushort)(flags | VerFlagWeak));
                changed = true;
            }
            return changed ? VersionNeedPatchResult.Patched : VersionNeedPatchResult.AlreadyWeak;
        }

        /// <summary>The file offsets of the vna_flags fields of every version need named <paramref name="versionName"/>.</summary>
        public static int[] FindVersionNeedFlagOffsets(byte[] elf, string versionName)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

            long shoff = (long)ReadU64(elf, 0x28);
            int shentsize = ReadU16(elf, 0x3a);
            int shnum = ReadU16(elf, 0x3c);
            if (shentsize < 64 || shoff <= 0 || shoff + (long)shentsize * shnum > elf.Length)
                throw new InvalidDataException("section header table lies outside the file");

            var found = new System.Collections.Generic.List<int>();
            for (int i = 0; i < shnum; i++)
            {
                int sh = checked((int)(shoff + (long)i * shentsize));
                if (ReadU32(elf, sh + 4) != ShtGnuVerneed) continue;

                long offset = (long)ReadU64(elf, sh + 0x18);
                long size = (long)ReadU64(elf, sh + 0x20);
                int entryCount = (int)ReadU32(elf, sh + 0x2c); // sh_info: number of Verneed entries
                int strtab = (int)ReadU32(elf, sh + 0x28);     // sh_link: the string table of the names
                CheckRange(elf, offset, size, ".gnu.version_r");
                if (strtab >= shnum) throw new InvalidDataException(".gnu.version_r links to a missing string table");
                int strSh = checked((int)(shoff + (long)strtab * shentsize));
                long strOffset = (long)ReadU64(elf, strSh + 0x18);
                long strSize = (long)ReadU64(elf, strSh + 0x20);
                CheckRange(elf, strOffset, strSize, "version string table");

                long need = offset;
                for (int n = 0; n < entryCount; n++)
                {
                    CheckRange(elf, need, 16, "Verneed entry");
                    int auxCount = ReadU16(elf, (int)need + 2);
                    long aux = need + ReadU32(elf, (int)need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        CheckRange(elf, aux, 16, "Vernaux entry");
                        uint nameOffset = ReadU32(elf, (int)aux + 8);
                        if (nameOffset >= strSize) throw new InvalidDataException("version name outside the string table");
                        if (NameEquals(elf, strOffset + nameOffset, strOffset + strSize, versionName))
                            found.Add((int)aux + 4);
                        uint nextAux = ReadU32(elf, (int)aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = ReadU32(elf, (int)need + 12);
                    if (next == 0) break;
                    need += next;
                }
            }
            return found.ToArray();
        }

        private static bool NameEquals(byte[] elf, long start, long end, string name)
        {
            byte[] wanted = Encoding.ASCII.GetBytes(name);
            if (start + wanted.Length >= end) return false;
            for (int i = 0; i < wanted.Length; i++)
                if (elf[start + i] != wanted[i]) return false;
            return elf[start + wanted.Length] == 0;
        }

        private static void CheckRange(byte[] elf, long offset, long size, string what)
        {
            if (offset < 0 || size < 0 || offset + size > elf.Length)
                throw new InvalidDataException(what + " lies outside the file");
        }

        private static ushort ReadU16(byte[] b, int o) => (ushort)(b[o] | b[o + 1] << 8);
        private static uint ReadU32(byte[] b, int o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);
        private static ulong ReadU64(byte[] b, int o) => ReadU32(b, o) | (ulong)ReadU32(b, o + 4) << 32;
        private static void WriteU16(byte[] b, int o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
    }

    /// <summary>
    /// MSBuild task: makes the GLIBCXX_3.4.32 version need of each given libLibTorchSharp.so weak. The edit is
    /// made on a copy beside the file, which then replaces it (so a hard link into the NuGet cache is broken,
    /// never written through), and keeps the original timestamp (so incremental copies stay incremental).
    /// </summary>
    public class PatchLibTorchSharpVersionNeeds : Microsoft.Build.Utilities.Task
    {
        /// <summary>The libLibTorchSharp.so files in the build or publish output.</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version to make weak.</summary>
        public string VersionName { get; set; } = "GLIBCXX_3.4.32";

        /// <inheritdoc />
        public override bool Execute()
        {
            foreach (var item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    PatchFile(path, VersionName, Log);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
                {
                    Log.LogError("MaMA.MLNet: cannot make {0} weak in '{1}': {2}", VersionName, path, e.Message);
                }
            }
            return !Log.HasLoggedErrors;
        }

        /// <summary>Patches one file on disk; returns what was done.</summary>
        public static VersionNeedPatchResult PatchFile(string path, string versionName, TaskLoggingHelper? log = null)
        {
            byte[] bytes = File.ReadAllBytes(path);
            var result = ElfVersionNeedPatcher.MakeVersionNeedWeak(bytes, versionName);
            if (result != VersionNeedPatchResult.Patched)
            {
                log?.LogMessage(MessageImportance.Low, "MaMA.MLNet: {0}: {1} {2}", path, versionName, result);
                return result;
            }
            DateTime lastWrite = File.GetLastWriteTimeUtc(path);
            string temp = path + ".mama-patch.tmp";
            File.Copy(path, temp, overwrite: true); // keeps the file mode
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
            {
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }
            File.SetLastWriteTimeUtc(temp, lastWrite);
            File.Delete(path);
            File.Move(temp, path);
            log?.LogMessage(MessageImportance.Normal, "MaMA.MLNet: made the {0} version need weak in {1}", versionName, path);
            return result;
        }
    }
}
