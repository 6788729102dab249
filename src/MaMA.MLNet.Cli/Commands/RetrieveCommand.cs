using System.CommandLine;
using MaMA.MLNet.Cli.Progress;
using MaMA.MLNet.Components;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Tokenization;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Cli.Commands;

/// <summary>
/// <c>mama retrieve --model DIR --manifest CSV --query TEXT [--top K] [--split S]</c>: text-to-image retrieval:
/// the K manifest images whose embeddings have the highest cosine with the query's, one "rank similarity path" line each.
/// </summary>
public sealed class RetrieveCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var modelDir = CommonOptions.Model();
        var manifest = CommonOptions.Manifest();
        var outsidePaths = CommonOptions.AllowOutsidePaths();
        var query = new Option<string>("--query") { Description = "The text to search with.", Required = true };
        var top = new Option<int>("--top") { Description = "How many images to list.", DefaultValueFactory = _ => 5 };
        var split = CommonOptions.Split();
        var badImages = BadImagePolicy.Option();
        var command = new Command("retrieve", "Find the manifest images closest to a text query.") { modelDir, manifest, query, top, split, badImages };
        command.Options.Add(outsidePaths);
        command.SetAction(parse =>
        {
            int k = parse.GetValue(top);
            if (k < 1) return Fail($"--top must be at least 1, got {k}.", ExitCodes.Usage);
            if (string.IsNullOrWhiteSpace(parse.GetValue(query))) return Fail("--query must not be empty.", ExitCodes.Usage);
            if (BadImagePolicy.Parse(parse.GetValue(badImages)) is not { } skip) return ExitCodes.Usage;
            if (ManifestLoading.TryLoad(parse.GetValue(split), parse.GetValue(manifest)!, out var records, parse.GetValue(outsidePaths)) is int manifestFailure) return manifestFailure;
            if (ManifestLoading.TryLoadModel(parse.GetValue(modelDir)!, out var loaded) is int modelFailure) return modelFailure;
            using var model = loaded!.Model;
            using var scope = NewDisposeScope();
            Tensor? embedded = null;
            IReadOnlyList<MaMA.MLNet.Data.Manifest.MammogramRecord> readable = records;
            int code = CliProgress.Run(progress =>
                BadImagePolicy.Embed(model, records, skip, BadImagePolicy.ListPath(null), progress, out readable, out embedded) ?? ExitCodes.Success);
            if (code != ExitCodes.Success) return code;
            var images = embedded!.to(ScalarType.Float32).contiguous();
            int width = (int)images.shape[1];
            var flat = images.data<float>().ToArray();
            var candidates = Enumerable.Range(0, readable.Count).Select(i => flat.AsSpan(i * width, width).ToArray()).ToList();
            // Without a tokenizer folder the model uses GPT-2's (as mama zeroshot does).
            var tokens = (loaded.Tokenizer ?? MaMATokenizer.CreateGpt2()).EncodeCaptions([parse.GetValue(query)!], model.Config.TextMaxLength);
            var (ids, mask) = tokens.ToTensors();
            using var inference = no_grad();
            var text = model.EncodeTexts(ids, mask).to(ScalarType.Float32).contiguous().data<float>().ToArray();
            var hits = EmbeddingRetrieval.TopK(text, candidates, Math.Min(k, candidates.Count));
            for (int rank = 0; rank < hits.Count; rank++)
                Console.WriteLine(FormattableString.Invariant($"{rank + 1}\t{hits[rank].Similarity:F4}\t{readable[hits[rank].Index].ImagePath}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static int Fail(string message, int code) => ExitCodes.Fail(message, code);
}
