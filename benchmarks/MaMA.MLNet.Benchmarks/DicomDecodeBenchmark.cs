using System.Diagnostics;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Dicom;
using MaMA.MLNet.Imaging.Pixels;
using MaMA.MLNet.Imaging.Preprocessing;

namespace MaMA.MLNet.Benchmarks;

/// <summary>
/// Decode + VOI + resize to a 1024 long side of a large 16-bit mammogram-sized image, in JPEG 2000 lossless and
/// JPEG lossless (both written by GDCM), against `gdcmconv --raw` decoding the same files in the same run.
/// Also reports the managed bytes our path allocates per image relative to the decoded image (16-bit).
/// </summary>
public sealed class DicomDecodeBenchmark : IBenchmark
{
    public string Name => "dicom-decode";
    public string Description => "decode+VOI+resize of 4000x5000 16-bit J2K/JPEG-LL files vs gdcmconv --raw (args: [width height repeats])";

    public int Run(string[] args)
    {
        int width = args.Length > 1 ? int.Parse(args[0]) : 4000, height = args.Length > 1 ? int.Parse(args[1]) : 5000;
        int repeats = args.Length > 2 ? int.Parse(args[2]) : 3;
        string dir = Directory.CreateTempSubdirectory("mama-dicom-bench-").FullName;
        try
        {
            string raw = Path.Combine(dir, "raw.dcm");
            DicomWriter.WriteMammogram(raw, SyntheticMammogram(width, height), new MammographyHeader { Modality = "MG", Laterality = Laterality.Left, View = "CC" },
                new PixelPresentation { Windows = [new WindowSetting(2048, 4096)] });
            var files = new (string Name, string Path, string Flag)[]
            {
                ("JPEG 2000 lossless", Path.Combine(dir, "j2k.dcm"), "--j2k"),
                ("JPEG lossless", Path.Combine(dir, "jpegll.dcm"), "--jpeg"),
            };
            foreach (var (_, path, flag) in files) Exec("gdcmconv", flag, raw, path);

            Console.WriteLine($"image {width}x{height}, 12 bits stored in 16; best of {repeats}; {Environment.ProcessorCount} cores");
            Console.WriteLine($"{"file",-20} {"size MB",8} {"ours s",8} {"gdcm s",8} {"gdcm/ours",9} {"alloc/img16",11}");
            foreach (var (name, path, _) in files)
            {
                OursOnce(path); // warm-up: JIT and native library loading
                double ours = double.MaxValue, allocated = 0;
                for (int i = 0; i < repeats; i++)
                {
                    long before = GC.GetTotalAllocatedBytes(precise: true);
                    var watch = Stopwatch.StartNew();
                    OursOnce(path);
                    ours = Math.Min(ours, watch.Elapsed.TotalSeconds);
                    allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                }
                double gdcm = double.MaxValue;
                string output = Path.Combine(dir, "gdcm-out.dcm");
                for (int i = 0; i < repeats; i++)
                {
                    var watch = Stopwatch.StartNew();
                    Exec("gdcmconv", "--raw", path, output);
                    gdcm = Math.Min(gdcm, watch.Elapsed.TotalSeconds);
                }
                Console.WriteLine($"{name,-20} {new FileInfo(path).Length / 1e6,8:F1} {ours,8:F3} {gdcm,8:F3} {gdcm / ours,9:F2} {allocated / (2.0 * width * height),11:F2}");
            }
            Console.WriteLine("ours = read + decode + VOI window + antialiased resize to a 1024 long side, in process;");
            Console.WriteLine("gdcm = gdcmconv --raw (decode and write uncompressed), a process per run; alloc/img16 = managed bytes allocated / (W*H*2)");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void OursOnce(string path)
    {
        var mammogram = MammogramReader.Read(path);
        var image = GrayscaleRenderer.Render(mammogram.Frame, mammogram.Presentation);
        double scale = 1024.0 / Math.Max(image.Width, image.Height);
        Resampler.Resize(image, (int)Math.Round(image.Width * scale), (int)Math.Round(image.Height * scale));
    }

    /// <summary>A smooth breast-like dome with noise, 12-bit: compresses like a real image, not like noise or a constant.</summary>
    private static GrayscaleFrame SyntheticMammogram(int width, int height)
    {
        var values = new int[width * height];
        var random = new Random(1);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double dx = x / (0.8 * width), dy = (y - height / 2.0) / (0.45 * height);
                double r = dx * dx + dy * dy;
                values[y * width + x] = r < 1 ? (int)(1500 + 1500 * (1 - r) + 40 * Math.Sin(x / 37.0) * Math.Cos(y / 23.0) + random.Next(64)) : random.Next(16);
            }
        return new GrayscaleFrame(width, height, values, 12, false);
    }

    private static void Exec(string tool, params string[] arguments)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error} (apt-get install libgdcm-tools)");
    }
}
