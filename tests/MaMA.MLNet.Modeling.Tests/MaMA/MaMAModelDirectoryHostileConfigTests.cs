using System.Text.Json.Nodes;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tests.TestSupport;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

/// <summary>
/// A config.json whose sizes do not fit its weight file is refused before the model is built. Before, the model
/// was allocated from the config first (3-4 GB for the file) and only then compared with the weights.
/// </summary>
[TestClass]
public sealed class MaMAModelDirectoryHostileConfigTests
{
    private static string SaveSmall()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"mama-hostile-config-{Guid.NewGuid():N}");
        using var model = MaMATestModels.Build(MaMATestModels.Small, seed: 41);
        MaMAModelDirectory.Save(model, dir);
        return dir;
    }

    private static void Edit(string dir, Action<JsonNode> edit)
    {
        string path = Path.Combine(dir, MaMAModelDirectory.ConfigFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    private static JsonNode Child(JsonNode node, string name) =>
        node.AsObject().First(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value!;

    private static void Set(JsonNode node, string name, int value) =>
        node.AsObject()[node.AsObject().First(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Key] = value;

    [TestMethod]
    public void AConfigLargerThanItsWeightFileIsRefusedBeforeTheModelIsBuilt()
    {
        string dir = SaveSmall();
        try
        {
            // A million-token vocabulary: within the sane limits, but far more parameters than the file holds.
            Edit(dir, json => Set(Child(json, "Text"), "VocabSize", 1_000_000));
            var e = Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAModelDirectory.Load(dir));
            StringAssert.Contains(e.Message, MaMAModelDirectory.ConfigFile);
            StringAssert.Contains(e.Message, "does not belong to these weights");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void AbsurdSizesAreRefusedBeforeAnythingIsSizedFromThem()
    {
        string dir = SaveSmall();
        try
        {
            Edit(dir, json => Set(Child(json, "Vision"), "Depth", 100_000));
            var e = Assert.ThrowsExactly<MaMAModelFormatException>(() => MaMAModelDirectory.Load(dir));
            StringAssert.Contains(e.Message, "Vision.Depth");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
