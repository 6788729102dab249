using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Persistence;

/// <summary>
/// Saves and loads pipelines that mix ML.NET transformers with this library's transformers.
/// </summary>
/// <remarks>
/// The file is a zip of stages in pipeline order, described by <c>stages.json</c>:
/// each run of consecutive ML.NET transformers is one ML.NET model zip (saved by <c>mlContext.Model.Save</c> with
/// the schema that reaches it), and each <see cref="IMaMATransformer"/> is a folder it wrote itself. Loading
/// rebuilds the chain stage by stage. Nothing relies on ML.NET internals, and the ML.NET stages stay loadable
/// by ML.NET alone.
/// </remarks>
public static class MaMAModelFile
{
    /// <summary>Format version written into stages.json.</summary>
    public const int FormatVersion = 1;

    // ML.NET zip of an empty chain saved with the pipeline's input schema (absent in files from before it was kept).
    private const string InputSchemaFile = "input-schema.mlnet.zip";

    private static readonly Dictionary<string, Func<string, IMaMATransformer>> Loaders = new(StringComparer.Ordinal)
    {
        [Imaging.MammogramLoadingTransformer.KindName] = Imaging.MammogramLoadingTransformer.LoadFrom,
        [Components.ImageEmbeddingTransformer.KindName] = Components.ImageEmbeddingTransformer.LoadFrom,
        [Components.TextEmbeddingTransformer.KindName] = Components.TextEmbeddingTransformer.LoadFrom,
        [Components.ZeroShotTransformer.KindName] = Components.ZeroShotTransformer.LoadFrom,
        [Components.SimilarityMapTransformer.KindName] = Components.SimilarityMapTransformer.LoadFrom,
        [Components.FineTuneTransformer.KindName] = Components.FineTuneTransformer.LoadFrom,
    };
    private static readonly JsonSerializerOptions Json = MaMAJson.Options;

    /// <summary>Registers how to load a transformer kind from its folder. Built-in kinds register themselves.</summary>
    public static void RegisterKind(string kind, Func<string, IMaMATransformer> loader)
    {
        lock (Loaders) Loaders[kind] = loader;
    }

    /// <summary>Saves <paramref name="model"/> (a chain or a single transformer) to <paramref name="path"/>, atomically.</summary>
    /// <param name="models">The context's model catalog (<c>mlContext.Model</c>): it saves the ML.NET stages.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">The schema the pipeline reads.</param>
    /// <param name="path">The file to write; replaced only once the new file is complete.</param>
    public static void Save(ModelOperationsCatalog models, ITransformer model, DataViewSchema inputSchema, string path)
    {
        string work = Directory.CreateTempSubdirectory("mama-model-").FullName;
        try
        {
            var stages = new List<StageEntry>();
            var pendingMlNet = new List<ITransformer>();
            DataViewSchema schema = inputSchema, pendingInput = inputSchema;

            void FlushMlNet()
            {
                if (pendingMlNet.Count == 0) return;
                string name = $"stage{stages.Count}.mlnet.zip";
                var chain = new TransformerChain<ITransformer>(pendingMlNet.ToArray());
                models.Save(chain, pendingInput, Path.Combine(work, name));
                stages.Add(new StageEntry("mlnet", name, null));
                pendingMlNet.Clear();
            }

            foreach (var transformer in Flatten(model))
            {
                if (transformer is IMaMATransformer ours)
                {
                    FlushMlNet();
                    string folder = $"stage{stages.Count}.{ours.Kind}";
                    Directory.CreateDirectory(Path.Combine(work, folder));
                    ours.SaveTo(Path.Combine(work, folder));
                    stages.Add(new StageEntry("mama", folder, ours.Kind));
                }
                else
                {
                    if (pendingMlNet.Count == 0) pendingInput = schema;
                    pendingMlNet.Add(transformer);
                }
                schema = transformer.GetOutputSchema(schema);
            }
            FlushMlNet();
            // The input schema, in ML.NET's own format (an empty chain saved with it), for LoadMaMA(path, out schema).
            models.Save(new TransformerChain<ITransformer>(), inputSchema, Path.Combine(work, InputSchemaFile));
            File.WriteAllText(Path.Combine(work, "stages.json"), JsonSerializer.Serialize(new StagesFile(FormatVersion, stages), Json));

            string temp = path + ".tmp";
            File.Delete(temp);
            ZipFile.CreateFromDirectory(work, temp, CompressionLevel.Fastest, includeBaseDirectory: false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Most entries a model file may hold.</summary>
    public const int MaxEntries = 10_000;

    /// <summary>Largest stages.json read.</summary>
    public const long MaxManifestBytes = 1L << 20;

    /// <summary>Most bytes extracted from one model file (the stages' weights: MaMA with BioMedLM is about 11 GB).</summary>
    public const long MaxExtractedBytes = 64L << 30;

    /// <summary>
    /// Largest ratio of an entry's size to its compressed size, for entries over <see cref="RatioCheckedAboveBytes"/>:
    /// weights and ML.NET zips compress to about 1:1, a zip bomb to about 1000:1.
    /// </summary>
    public const int MaxCompressionRatio = 100;

    /// <summary>Entries at most this large are not held to <see cref="MaxCompressionRatio"/> (a small zero-initialised tensor compresses well).</summary>
    public const long RatioCheckedAboveBytes = 16L << 20;

    /// <summary>
    /// Loads a pipeline saved by <see cref="Save"/>. The zip's directory and stages.json are read first; only the
    /// entries the stages name are extracted, each checked (path inside the folder, declared size, compression
    /// ratio, running total) before and while it is written.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a MaMA model file, names an unknown kind, or exceeds a limit.</exception>
    public static ITransformer Load(ModelOperationsCatalog models, string path) => LoadStages(models, path, out _);

    /// <summary><see cref="Load(ModelOperationsCatalog, string)"/> with every MaMA stage on <paramref name="device"/> instead of its saved device.</summary>
    public static ITransformer Load(ModelOperationsCatalog models, string path, string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        var saved = DeviceOverride.Value;
        DeviceOverride.Value = device;
        try { return LoadStages(models, path, out _); }
        finally { DeviceOverride.Value = saved; }
    }

    /// <summary>
    /// The device the stages being loaded go to instead of their saved one (null: their own). The stage loaders are
    /// registered as <c>folder -> transformer</c> (<see cref="RegisterKind"/>), so the choice travels beside them.
    /// </summary>
    internal static readonly AsyncLocal<string?> DeviceOverride = new();

    /// <summary>Loads a pipeline saved by <see cref="Save"/> and the schema it reads (as ML.NET's <c>Model.Load(path, out schema)</c>).</summary>
    /// <exception cref="InvalidDataException">The file is not a MaMA model file, names an unknown kind, exceeds a limit, or (written before schemas were kept) records no input schema.</exception>
    public static ITransformer Load(ModelOperationsCatalog models, string path, out DataViewSchema inputSchema)
    {
        var model = LoadStages(models, path, out var schema);
        inputSchema = schema ?? throw new InvalidDataException($"{path}: written before model files kept their input schema; save the pipeline again to read it");
        return model;
    }

    private static ITransformer LoadStages(ModelOperationsCatalog models, string path, out DataViewSchema? inputSchema)
    {
        if (Directory.Exists(path))
            throw new InvalidDataException($"{path}: a directory; a MaMA model file (.mama.zip, written by SaveMaMA or mama finetune) is needed here");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the model file does not exist", path);
        DataViewSchema? schema = null;
        string work = Directory.CreateTempSubdirectory("mama-model-").FullName;
        try
        {
            var file = ExtractStages(path, work);

            var transformers = new List<ITransformer>();
            foreach (var stage in file.Stages)
            {
                string location = Path.GetFullPath(Path.Combine(work, stage.Path));
                if (!location.StartsWith(work, StringComparison.Ordinal)) throw new InvalidDataException($"{path}: stage path '{stage.Path}' leaves the archive");
                switch (stage.Type)
                {
                    case "mlnet":
                        var loaded = models.Load(location, out var stageSchema);
                        if (transformers.Count == 0) schema ??= stageSchema;
                        transformers.AddRange(Flatten(loaded));
                        break;
                    case "mama":
                        Func<string, IMaMATransformer>? loader;
                        lock (Loaders) Loaders.TryGetValue(stage.Kind ?? "", out loader);
                        if (loader is null)
                            throw new InvalidDataException($"{path}: stage '{stage.Path}' is of kind '{stage.Kind}', which no loaded assembly registered");
                        transformers.Add(loader(location));
                        break;
                    default:
                        throw new InvalidDataException($"{path}: unknown stage type '{stage.Type}'");
                }
            }
            string schemaFile = Path.Combine(work, InputSchemaFile);
            if (File.Exists(schemaFile)) models.Load(schemaFile, out schema);
            inputSchema = schema;
            return new TransformerChain<ITransformer>(transformers.ToArray());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Reads stages.json from the zip, then extracts the entries of the stages it lists, and nothing else.
    private static StagesFile ExtractStages(string path, string work)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a MaMA model file (not a zip archive)", e);
        }
        using (archive)
        {
            if (archive.Entries.Count > MaxEntries)
                throw new InvalidDataException($"{path}: {archive.Entries.Count:N0} entries, more than the {MaxEntries:N0} a MaMA model file may have");
            var manifest = archive.GetEntry("stages.json") ?? throw new InvalidDataException($"{path}: not a MaMA model file (no stages.json)");
            if (manifest.Length > MaxManifestBytes)
                throw new InvalidDataException($"{path}: stages.json declares {manifest.Length:N0} bytes, more than {MaxManifestBytes:N0}");
            StagesFile file;
            try
            {
                using var reader = new StreamReader(new BoundedStream(manifest.Open(), manifest.Length, path, "stages.json"));
                file = JsonSerializer.Deserialize<StagesFile>(reader.ReadToEnd(), Json) ?? throw new InvalidDataException($"{path}: stages.json is empty");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: stages.json is not valid: {e.Message}", e);
            }
            if (file.Version != FormatVersion)
                throw new InvalidDataException($"{path}: model file format {file.Version}; this library reads format {FormatVersion}");
            if (file.Stages is null || file.Stages.Any(s => s is null))
                throw new InvalidDataException($"{path}: stages.json lists no stages");

            var stagePaths = new List<string>();
            foreach (var stage in file.Stages)
            {
                string name = stage.Path ?? "";
                if (name.Length == 0 || Path.IsPathRooted(name) || name.Split('/', '\\').Any(part => part is "" or "." or ".."))
                    throw new InvalidDataException($"{path}: stage path '{stage.Path}' leaves the archive");
                stagePaths.Add(name);
            }
            stagePaths.Add(InputSchemaFile); // the input schema for LoadMaMA(path, out schema), when the file has one

            string root = Path.GetFullPath(work) + Path.DirectorySeparatorChar;
            long total = 0;
            foreach (var entry in archive.Entries)
            {
                string name = entry.FullName;
                bool needed = stagePaths.Any(stage => name == stage || name.StartsWith(stage + "/", StringComparison.Ordinal));
                if (!needed) continue;
                string destination = Path.GetFullPath(Path.Combine(work, name));
                if (!destination.StartsWith(root, StringComparison.Ordinal))
                    throw new InvalidDataException($"{path}: entry '{name}' leaves the archive");
                if (name.EndsWith('/')) { Directory.CreateDirectory(destination); continue; }
                if (entry.Length > RatioCheckedAboveBytes && entry.Length > (long)MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
                    throw new InvalidDataException($"{path}: entry '{name}' inflates {entry.CompressedLength:N0} bytes to {entry.Length:N0}, more than {MaxCompressionRatio}:1 (a zip bomb?)");
                total += entry.Length;
                if (total > MaxExtractedBytes)
                    throw new InvalidDataException($"{path}: the stages hold more than the {MaxExtractedBytes:N0} bytes a MaMA model file may extract");
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                using var input = new BoundedStream(entry.Open(), entry.Length, path, name);
                using var output = File.Create(destination);
                input.CopyTo(output);
            }
            return file;
        }
    }

    /// <summary>Reads an entry, failing when it yields more bytes than its declared size.</summary>
    private sealed class BoundedStream(Stream inner, long declared, string path, string name) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            _read += n;
            if (_read > declared) throw new InvalidDataException($"{path}: entry '{name}' holds more than the {declared:N0} bytes it declares");
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];

    private sealed record StageEntry(string Type, string Path, string? Kind);

    private sealed record StagesFile(int Version, List<StageEntry> Stages);
}
