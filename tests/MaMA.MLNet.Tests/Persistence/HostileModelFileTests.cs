using System.IO.Compression;
using System.Text;
using MaMA.MLNet.Persistence;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Persistence;

/// <summary>
/// Pipeline files (.mama.zip) built to hurt: a few hundred kilobytes that inflate to gigabytes, entries that
/// point outside the folder, junk beside the stages. Before, the whole zip was extracted into the temp folder
/// before stages.json was read; now stages.json comes first and only what it names is extracted, checked.
/// </summary>
[TestClass]
public sealed class HostileModelFileTests
{
    private const string Stages = """{"version":1,"stages":[{"type":"mama","path":"stage0.test","kind":"no-such-kind"}]}""";

    private static string Write(params (string Name, Action<Stream> Write)[] entries)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mama-hostile-{Guid.NewGuid():N}.mama.zip");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, write) in entries)
            using (var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open()) write(stream);
        return path;
    }

    private static Action<Stream> Text(string text) => stream => stream.Write(Encoding.UTF8.GetBytes(text));

    private static Action<Stream> Zeros(long count) => stream =>
    {
        var zeros = new byte[1 << 20];
        for (long left = count; left > 0; left -= zeros.Length) stream.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    };

    private static InvalidDataException LoadFails(string path)
    {
        try
        {
            return Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(seed: 1).Model.LoadMaMA(path));
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void AnEntryThatInflatesAThousandfoldIsNotExtracted()
    {
        string path = Write(("stages.json", Text(Stages)), ("stage0.test/weights.bin", Zeros(256L << 20)));
        Assert.IsLessThan(1L << 20, new FileInfo(path).Length);
        var e = LoadFails(path);
        StringAssert.Contains(e.Message, "weights.bin");
        StringAssert.Contains(e.Message, "zip bomb");
    }

    [TestMethod]
    public void EntriesNoStageNamesAreNeverExtracted()
    {
        // 256 MiB of junk and an entry aimed outside the folder, beside the stages: only the stage is extracted, so
        // loading gets as far as the stage's kind (before, both were extracted first, and the second threw an IOException).
        string path = Write(("stages.json", Text(Stages)), ("stage0.test/config.json", Text("{}")), ("junk.bin", Zeros(256L << 20)),
            ("../escaped.txt", Text("x")));
        StringAssert.Contains(LoadFails(path).Message, "no-such-kind");
    }

    [TestMethod]
    public void PathsThatLeaveTheFolderAreRefused()
    {
        string path = Write(("stages.json", Text(Stages)), ("stage0.test/../../escaped.txt", Text("x")));
        StringAssert.Contains(LoadFails(path).Message, "leaves the archive");

        path = Write(("stages.json", Text("""{"version":1,"stages":[{"type":"mama","path":"../outside","kind":"k"}]}""")));
        StringAssert.Contains(LoadFails(path).Message, "leaves the archive");
    }

    [TestMethod]
    public void StagesJsonIsReadFirstAndBounded()
    {
        string path = Write(("stages.json", Text(new string(' ', (int)MaMAModelFile.MaxManifestBytes + 1))));
        StringAssert.Contains(LoadFails(path).Message, "stages.json");

        path = Write(("stages.json", Text("{ not json")));
        StringAssert.Contains(LoadFails(path).Message, "stages.json");
    }
}
