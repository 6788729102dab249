using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Samples;

/// <summary>An image file and its class, the folder it sits in.</summary>
public sealed class LabelledImage
{
    /// <summary>The file.</summary>
    public string Path { get; set; } = "";

    /// <summary>The class (the name of the file's folder).</summary>
    public string Label { get; set; } = "";
}

/// <summary>Command-line and demo-data helpers the samples share.</summary>
public static class SampleImages
{
    /// <summary>The argument after <paramref name="name"/>, or null.</summary>
    public static string? ArgumentAfter(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Two classes of <paramref name="perClass"/> noisy 16-bit images: "fatty" (mostly dark) and "dense" (mostly bright).</summary>
    public static string WriteTwoClasses(string folder, int perClass)
    {
        var random = new Random(3);
        foreach (var (label, level) in new[] { ("fatty", 12000), ("dense", 42000) })
        {
            string classFolder = Directory.CreateDirectory(System.IO.Path.Combine(folder, label)).FullName;
            for (int i = 0; i < perClass; i++)
            {
                using var image = new Image<L16>(64, 80);
                for (int y = 0; y < 80; y++)
                    for (int x = 0; x < 64; x++)
                        image[x, y] = new L16((ushort)(level + random.Next(16000)));
                image.SaveAsPng(System.IO.Path.Combine(classFolder, $"{label}{i:00}.png"));
            }
        }
        return folder;
    }

    /// <summary>Every file under each sub-folder of <paramref name="root"/>, labelled with the sub-folder's name.</summary>
    public static List<LabelledImage> ReadLabelledFolders(string root) =>
        Directory.EnumerateDirectories(root).Order()
            .SelectMany(folder => Directory.EnumerateFiles(folder).Order().Select(p => new LabelledImage { Path = p, Label = System.IO.Path.GetFileName(folder) }))
            .ToList();
}
