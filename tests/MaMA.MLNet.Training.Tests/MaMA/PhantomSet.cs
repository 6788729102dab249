using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Modeling.Tokenization;

namespace MaMA.MLNet.Training.Tests.MaMA;

/// <summary>A small phantom data set (8 studies, 32 images at 64 x 80) and the GPT-2 tokenizer, made once for the assembly.</summary>
internal static class PhantomSet
{
    private static readonly Lazy<(string Folder, IReadOnlyList<MammogramRecord> Records)> Set = new(() =>
    {
        string folder = Path.Combine(Path.GetTempPath(), "mama-pretrain-tests-" + Guid.NewGuid().ToString("N"));
        var records = new PhantomGenerator(new PhantomOptions { Width = 64, Height = 80, Seed = 5 }).WriteDataset(folder, 8);
        return (folder, records);
    });

    private static readonly Lazy<MaMATokenizer> Gpt2 = new(MaMATokenizer.CreateGpt2);

    public static IReadOnlyList<MammogramRecord> Records => Set.Value.Records;

    public static string Folder => Set.Value.Folder;

    public static MaMATokenizer Tokenizer => Gpt2.Value;

    public static void Delete()
    {
        if (Set.IsValueCreated && Directory.Exists(Set.Value.Folder)) Directory.Delete(Set.Value.Folder, recursive: true);
    }
}

[TestClass]
public static class PhantomSetCleanup
{
    [AssemblyCleanup]
    public static void Cleanup() => PhantomSet.Delete();
}
