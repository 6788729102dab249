using MaMA.MLNet.Samples;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using Microsoft.ML;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Tests.Components.Support;

/// <summary>One tiny random model directory and a few PNG images shared by the component tests (written once per run).</summary>
internal static class ComponentFixture
{
    public const int ImageSize = 56;
    private static readonly Lazy<(string Root, string Model, List<ImageRow> Rows)> State = new(Create);

    public sealed class ImageRow
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
        public bool Positive { get; set; }
        public string Text { get; set; } = "";
    }

    public static string ModelDirectory => State.Value.Model;

    public static IReadOnlyList<ImageRow> Rows => State.Value.Rows;

    public static string NewTempFolder(string name) => Directory.CreateDirectory(Path.Combine(State.Value.Root, name + Guid.NewGuid().ToString("N")[..8])).FullName;

    public static LoadMammogramsOptions LoaderOptions => new()
    {
        Preprocessing = new PreprocessingOptions { ImageSize = ImageSize, LongSide = 0, CropToBreast = false },
    };

    /// <summary>The images as a data view with the model-ready Image column.</summary>
    public static IDataView LoadImages(MLContext ml) =>
        ml.Transforms.LoadMammograms("Image", "Path", LoaderOptions).Fit(ml.Data.LoadFromEnumerable(Rows)).Transform(ml.Data.LoadFromEnumerable(Rows));

    private static (string, string, List<ImageRow>) Create()
    {
        string root = Directory.CreateTempSubdirectory("mama-components-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, recursive: true); } catch (IOException) { } };
        string model = TinyMaMAModel.Write(Path.Combine(root, "model"), imageSize: ImageSize);
        var random = new Random(5);
        var rows = new List<ImageRow>();
        string[] labels = ["A", "B", "C", "D"];
        for (int i = 0; i < 12; i++)
        {
            // A bright blob whose size and position vary, so images (and their embeddings) differ.
            using var image = new Image<L16>(40, 48);
            int cx = 8 + random.Next(24), cy = 8 + random.Next(32), radius = 4 + i % 6;
            for (int y = 0; y < 48; y++)
                for (int x = 0; x < 40; x++)
                {
                    bool inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius;
                    image[x, y] = new L16((ushort)((inside ? 50000 : 8000) + random.Next(6000)));
                }
            string path = Path.Combine(root, $"img{i}.png");
            image.SaveAsPng(path);
            rows.Add(new ImageRow { Path = path, Label = labels[i % 4], Positive = i % 3 == 0, Text = $"Image {i}. Mass of size {radius}; findings." });
        }
        return (root, model, rows);
    }
}
