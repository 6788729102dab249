using MaMA.MLNet;
using MaMA.MLNet.Data.Phantom;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using Microsoft.ML;
using Microsoft.ML.Data;

// A small ML.NET pipeline through the main package, as a consumer writes it: phantom PNGs -> LoadMammograms ->
// MaMA image embeddings from a tiny random model saved with MaMAModelDirectory. Proves the packages, their
// dependencies (ML.NET, TorchSharp, ImageSharp) and the native-library fix in buildTransitive reach a consumer
// with no manual step. Embeddings are L2-normalised, so every norm must be 1.
string root = Directory.CreateTempSubdirectory("mama-consumer-").FullName;
try
{
    var records = new PhantomGenerator(new PhantomOptions { Width = 96, Height = 120, Seed = 3 }).WriteDataset(Path.Combine(root, "data"), 1);
    var rows = records.Select(r => new ImageRow { Path = r.ImagePath }).ToList();

    TorchRuntime.Seed(1);
    var config = MaMAConfig.Tiny;
    using (var model = new MaMAModel(config)) MaMAModelDirectory.Save(model, Path.Combine(root, "model"));

    var ml = new MLContext(seed: 1);
    var input = ml.Data.LoadFromEnumerable(rows);
    var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = config.Vision.ImageSize } };
    var pipeline = ml.Transforms.LoadMammograms("Image", "Path", loader)
        .Append(ml.Transforms.MaMAImageEmbedding(Path.Combine(root, "model"), "Embedding", "Image"));
    var embeddings = pipeline.Fit(input).Transform(input).GetColumn<float[]>("Embedding").ToList();

    var norms = embeddings.Select(e => Math.Sqrt(e.Sum(v => (double)v * v))).ToList();
    bool ok = embeddings.Count == rows.Count && embeddings.All(e => e.Length == config.EmbeddingSize) && norms.All(n => Math.Abs(n - 1) < 1e-4);
    Console.WriteLine($"consumer: {embeddings.Count} images -> {config.EmbeddingSize}-d MaMA embeddings, norms [{string.Join(", ", norms.Select(n => n.ToString("F5")))}] {(ok ? "ok" : "WRONG")}");
    return ok ? 0 : 1;
}
finally
{
    Directory.Delete(root, recursive: true);
}

/// <summary>One input row: the image path.</summary>
internal sealed class ImageRow
{
    public string Path { get; set; } = "";
}
