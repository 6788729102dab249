// QuickStart: mammogram files -> MaMA image embeddings -> zero-shot density, in one ML.NET pipeline.
// `dotnet run --project samples/QuickStart -- --small` uses a tiny random model and generated images (seconds,
// meaningless predictions); `-- --model DIR --images FOLDER` runs a real model on your PNG/DICOM files.
using MaMA.MLNet;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Samples;
using Microsoft.ML;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

string? modelDir = SampleImages.ArgumentAfter(args, "--model"), imageDir = SampleImages.ArgumentAfter(args, "--images");
string work = Directory.CreateTempSubdirectory("mama-quickstart-").FullName;
try
{
    int imageSize = 518;
    if (args.Contains("--small") || modelDir is null)
    {
        imageSize = 56;
        modelDir = TinyMaMAModel.Write(Path.Combine(work, "model"), imageSize: imageSize);
        imageDir = WriteDemoImages(Path.Combine(work, "images"));
    }
    var files = Directory.EnumerateFiles(imageDir!).Order().Select(p => new ImageFile { Path = p }).ToList();

    // The pipeline: about ten lines.
    var ml = new MLContext(seed: 1);
    var data = ml.Data.LoadFromEnumerable(files);
    var loader = new LoadMammogramsOptions { Preprocessing = new PreprocessingOptions { ImageSize = imageSize } };
    var pipeline = ml.Transforms.LoadMammograms("Image", "Path", loader)
        .Append(ml.Transforms.MaMAImageEmbedding(modelDir, "Embedding", "Image"))
        .Append(ml.MulticlassClassification.Trainers.MaMAZeroShot(modelDir, ZeroShotTask.Density, "Image"));
    var scored = pipeline.Fit(data).Transform(data);
    var rows = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false);

    Console.WriteLine("file                 density  P(A)   P(B)   P(C)   P(D)   |embedding|");
    foreach (var row in rows)
    {
        double norm = Math.Sqrt(row.Embedding.Sum(v => (double)v * v));
        string density = ZeroShotPrompts.ClassNames(ZeroShotTask.Density)[(int)row.PredictedLabel - 1];
        Console.WriteLine($"{Path.GetFileName(row.Path),-20} {density,-8} {string.Join(" ", row.Score.Select(p => p.ToString("F3")))}  {norm:F3}");
    }
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static string WriteDemoImages(string folder)
{
    Directory.CreateDirectory(folder);
    var random = new Random(3);
    for (int i = 0; i < 6; i++)
    {
        using var image = new Image<L16>(96, 120);
        int cx = 30 + random.Next(36), cy = 30 + random.Next(60), radius = 10 + 4 * i;
        for (int y = 0; y < 120; y++)
            for (int x = 0; x < 96; x++)
                image[x, y] = new L16((ushort)(((x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius ? 45000 : 9000) + random.Next(8000)));
        image.SaveAsPng(Path.Combine(folder, $"demo{i}.png"));
    }
    return folder;
}

sealed class ImageFile
{
    public string Path { get; set; } = "";
}

sealed class Prediction
{
    public string Path { get; set; } = "";
    public float[] Embedding { get; set; } = [];
    public float[] Score { get; set; } = [];
    public uint PredictedLabel { get; set; }
}
