using Microsoft.ML;

namespace MaMA.MLNet;

/// <summary><c>mlContext.Model</c> entry points for pipelines that contain MaMA transformers.</summary>
public static class ModelOperationsCatalogExtensions
{
    /// <summary>
    /// Saves a pipeline with MaMA transformers (and any ML.NET transformers around them) to one file. Use instead
    /// of <c>Model.Save</c>, which cannot hold transformers from outside ML.NET.
    /// </summary>
    public static void SaveMaMA(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath) =>
        Persistence.MaMAModelFile.Save(catalog ?? throw new ArgumentNullException(nameof(catalog)), model, inputSchema, filePath);

    /// <summary>Loads a pipeline saved by <see cref="SaveMaMA"/>; ML.NET stages load through this catalog (and its registered assemblies).</summary>
    public static ITransformer LoadMaMA(this ModelOperationsCatalog catalog, string filePath) =>
        Persistence.MaMAModelFile.Load(catalog ?? throw new ArgumentNullException(nameof(catalog)), filePath);

    /// <summary>
    /// Loads a pipeline saved by <see cref="SaveMaMA"/> with its MaMA stages on <paramref name="device"/> (cpu, cuda,
    /// cuda:N or auto) instead of the device each was saved with (a pipeline trained on a GPU, run on a CPU machine).
    /// </summary>
    public static ITransformer LoadMaMA(this ModelOperationsCatalog catalog, string filePath, string device) =>
        Persistence.MaMAModelFile.Load(catalog ?? throw new ArgumentNullException(nameof(catalog)), filePath, device);

    /// <summary>
    /// Loads a pipeline saved by <see cref="SaveMaMA"/> and the schema it reads, shaped like ML.NET's
    /// <c>Model.Load(path, out inputSchema)</c> (e.g. to build input rows or a prediction engine).
    /// </summary>
    /// <exception cref="InvalidDataException">Not a MaMA model file (a directory, not a zip, unknown stage), or a file from before input schemas were kept.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static ITransformer LoadMaMA(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema) =>
        Persistence.MaMAModelFile.Load(catalog ?? throw new ArgumentNullException(nameof(catalog)), filePath, out inputSchema);
}
