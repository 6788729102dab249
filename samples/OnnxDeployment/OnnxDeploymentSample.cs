using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Samples.OnnxDeployment;

/// <summary>
/// Scores a few synthetic images with an exported MaMA model through ML.NET's <c>ApplyOnnxModel</c> and prints
/// what comes out: embedding norms and cosine similarities (image encoder) or class probabilities (classifiers).
/// </summary>
public static class OnnxDeploymentSample
{
    /// <summary>What the run produced, one array per image.</summary>
    public sealed record Result(int ImageSize, string OutputName, float[][] Pixels, float[][] Outputs);

    /// <summary>Runs the model at <paramref name="modelPath"/> on <paramref name="count"/> images and prints to <paramref name="log"/>.</summary>
    public static Result Run(string modelPath, TextWriter log, int count = 4)
    {
        // The exported graph says how large its images are and which output it has.
        int size;
        string outputName;
        using (var session = new InferenceSession(modelPath))
        {
            size = session.InputMetadata["pixels"].Dimensions[^1];
            outputName = session.OutputMetadata.ContainsKey("probabilities") ? "probabilities" : "embedding";
        }
        log.WriteLine($"{Path.GetFileName(modelPath)}: pixels [batch, 3, {size}, {size}] -> {outputName}");

        var ml = new MLContext(seed: 0);
        var images = Enumerable.Range(0, count).Select(i => new ImageRow { Pixels = MakeImage(size, i) }).ToList();
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema["pixels"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3, size, size);
        var data = ml.Data.LoadFromEnumerable(images, schema);
        var scored = ml.Transforms.ApplyOnnxModel(outputName, "pixels", modelPath).Fit(data).Transform(data);
        var outputs = scored.GetColumn<float[]>(outputName).ToArray();

        for (int i = 0; i < outputs.Length; i++)
        {
            string values = outputName == "embedding"
                ? $"norm {Math.Sqrt(outputs[i].Sum(v => (double)v * v)):F4}, first values {string.Join(" ", outputs[i].Take(4).Select(v => v.ToString("F4")))}"
                : $"probabilities {string.Join(" ", outputs[i].Select(v => v.ToString("F4")))}";
            log.WriteLine($"image {i}: {values}");
        }
        if (outputName == "embedding")
        {
            log.WriteLine("cosine similarity:");
            foreach (var a in outputs)
                log.WriteLine("  " + string.Join(" ", outputs.Select(b => a.Zip(b, (x, y) => x * y).Sum().ToString("F3").PadLeft(7))));
        }
        return new Result(size, outputName, [.. images.Select(r => r.Pixels)], outputs);
    }

    /// <summary>
    /// A model-ready synthetic image [3, size, size]: a bright disc on a dark background (a crude breast on
    /// film) whose radius and brightness depend on <paramref name="index"/>, normalised as MaMA expects
    /// ((x - 0.5) / 0.5) and repeated over the three channels.
    /// </summary>
    public static float[] MakeImage(int size, int index)
    {
        var pixels = new float[3 * size * size];
        double radius = size * (0.2 + 0.07 * index), brightness = 0.5 + 0.1 * index;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double r = Math.Sqrt(Math.Pow(x - size * 0.3, 2) + Math.Pow(y - size * 0.5, 2));
                float value = (float)((r < radius ? brightness * (1 - 0.5 * r / radius) : 0.05) - 0.5) / 0.5f;
                for (int c = 0; c < 3; c++) pixels[(c * size + y) * size + x] = value;
            }
        return pixels;
    }

    private sealed class ImageRow
    {
        [ColumnName("pixels")]
        public float[] Pixels { get; set; } = [];
    }
}
