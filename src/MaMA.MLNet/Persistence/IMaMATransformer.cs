using Microsoft.ML;

namespace MaMA.MLNet.Persistence;

/// <summary>
/// A transformer of this library. ML.NET's own model format is closed to transformers outside its assemblies
/// (ModelSaveContext's writers and LoadableClass are internal; ML.NET issue #4911), so ours save themselves
/// into a folder of a MaMA model file instead, and <see cref="MaMAModelFile"/> stitches them together with the
/// ML.NET transformers around them.
/// </summary>
public interface IMaMATransformer : ITransformer
{
    /// <summary>The kind name stored in the model file; <see cref="MaMAModelFile.RegisterKind"/> maps it back to a loader.</summary>
    string Kind { get; }

    /// <summary>Writes everything needed to rebuild this transformer (config, weights) into <paramref name="folder"/>.</summary>
    void SaveTo(string folder);
}
