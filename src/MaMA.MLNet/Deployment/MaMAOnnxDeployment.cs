using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Modeling.Weights;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Deployment;

/// <summary>
/// Exports one part of a loaded MaMA model to an ONNX file, then loads that file in ONNX Runtime and compares it
/// with the TorchSharp model on one random input (what <c>mama export-onnx</c> does).
/// </summary>
public static class MaMAOnnxDeployment
{
    /// <summary>The default agreement asked of ONNX Runtime and TorchSharp (float32 both).</summary>
    public const double DefaultTolerance = 1e-4;

    /// <summary>Writes <paramref name="part"/> of <paramref name="loaded"/> to <paramref name="outputPath"/> and checks it.</summary>
    /// <param name="loaded">A model read by <see cref="MaMAModelDirectory.Load"/> (CPU, eval mode).</param>
    /// <param name="part">What to export.</param>
    /// <param name="outputPath">The .onnx file to write (weights over 1.5 GiB go to an external-data file beside it).</param>
    /// <param name="imageSize">Square input size for image parts; null uses the model's pretraining size.</param>
    /// <param name="task">The zero-shot task (needed for <see cref="MaMAOnnxPart.ZeroShot"/>; its prompts are MaMA's).</param>
    /// <param name="headPath">A safetensors or torch file with <c>weight</c> [C, D] and <c>bias</c> [C] (needed for <see cref="MaMAOnnxPart.Classifier"/>).</param>
    /// <param name="seed">Seed of the random check input.</param>
    /// <param name="tolerance">Largest absolute difference that passes.</param>
    /// <exception cref="ArgumentException">A part's required argument is missing, or the model lacks a tokenizer for zero-shot.</exception>
    /// <exception cref="OnnxExportException">The model cannot be exported as asked.</exception>
    public static OnnxExportReport ExportAndCheck(LoadedMaMAModel loaded, MaMAOnnxPart part, string outputPath, int? imageSize = null,
        ZeroShotTask? task = null, string? headPath = null, long seed = 0, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        var model = loaded.Model;
        model.eval();
        int size = imageSize ?? model.Config.ImageSize;
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(seed);
        ModelProto exported;
        Func<InferenceSession, double> check;
        switch (part)
        {
            case MaMAOnnxPart.Image:
            {
                exported = MaMAModelOnnxExporter.ExportImageEncoder(model, size);
                var pixels = randn(1, 3, size, size);
                using var encoding = model.EncodeImages(pixels);
                var expected = encoding.Embedding.data<float>().ToArray();
                check = s => MaxAbsDiff(expected, RunFloats(s, MamaOnnxExporter.EmbeddingOutput, Pixels(pixels)));
                break;
            }
            case MaMAOnnxPart.Text:
            {
                exported = MaMAModelOnnxExporter.ExportTextEncoder(model);
                int length = model.Config.TextMaxLength;
                var ids = randint(0, model.Config.TextVocabSize, [2, length], dtype: ScalarType.Int64);
                // Row 0 is full; row 1 is right-padded after a third of the caption, as real captions are.
                var mask = ones(2, length, dtype: ScalarType.Int64);
                mask[1, TensorIndex.Slice(length / 3)] = 0;
                var expected = model.EncodeTexts(ids, mask).data<float>().ToArray();
                var idsArray = ids.data<long>().ToArray();
                var maskArray = mask.data<long>().ToArray();
                check = s => MaxAbsDiff(expected, RunFloats(s, MamaOnnxExporter.EmbeddingOutput,
                    (MamaOnnxExporter.InputIdsInput, idsArray, [2, length]), (MamaOnnxExporter.AttentionMaskInput, maskArray, [2, length])));
                break;
            }
            case MaMAOnnxPart.ZeroShot:
            {
                if (task is not { } t) throw new ArgumentException("The zero-shot part needs a task (density, birads or cancer).", nameof(task));
                var tokenizer = loaded.Tokenizer
                    ?? throw new ArgumentException("The model directory has no tokenizer, which the zero-shot prompts need.", nameof(loaded));
                using var classifier = ZeroShotClassifier.Create(model, tokenizer, [.. ZeroShotPrompts.For(t).Select(p => (IReadOnlyList<string>)[p])]);
                exported = MaMAModelOnnxExporter.ExportZeroShotClassifier(model, classifier, ZeroShotPrompts.ClassNames(t), size);
                var pixels = randn(1, 3, size, size);
                var expected = classifier.PredictProbabilities(pixels).data<float>().ToArray();
                check = s => MaxAbsDiff(expected, RunFloats(s, MamaOnnxExporter.ProbabilitiesOutput, Pixels(pixels)));
                break;
            }
            case MaMAOnnxPart.Classifier:
            {
                if (string.IsNullOrWhiteSpace(headPath)) throw new ArgumentException("The classifier part needs a head file (weight [C, D], bias [C]).", nameof(headPath));
                using var source = NamedTensorSource.Open(headPath);
                foreach (var name in new[] { "weight", "bias" })
                    if (!source.Contains(name)) throw new OnnxExportException($"Head file '{headPath}' has no '{name}' tensor (it has {string.Join(", ", source.Names)}).");
                var weight = source.Get("weight").to_type(ScalarType.Float32);
                var bias = source.Get("bias").to_type(ScalarType.Float32);
                int classes = weight.dim() == 2 ? (int)weight.shape[0] : 0;
                (exported, check) = Classifier(model, weight, bias, [.. Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))], size);
                break;
            }
            case MaMAOnnxPart.Similarity:
            {
                exported = MaMAModelOnnxExporter.ExportPatchSentenceSimilarity(model, size);
                // Two captions: a full one with three sentences and one right-padded after its first of two.
                int length = model.Config.TextMaxLength;
                long separator = model.Config.SeparatorTokenId;
                var idsArray = randint(0, model.Config.TextVocabSize, [2, length], dtype: ScalarType.Int64).data<long>().ToArray();
                for (int i = 0; i < idsArray.Length; i++)
                    if (idsArray[i] == separator) idsArray[i] = (separator + 1) % model.Config.TextVocabSize;
                foreach (var (row, column) in new[] { (0, length / 4), (0, length / 2), (0, length - 1), (1, length / 6), (1, length / 3) })
                    idsArray[row * length + column] = separator;
                var ids = tensor(idsArray, [2, length]);
                var mask = ones(2, length, dtype: ScalarType.Int64);
                mask[1, TensorIndex.Slice(length / 2)] = 0;
                var pixels = randn(2, 3, size, size);
                using var similarity = model.ComputePatchSentenceSimilarity(pixels, ids, mask);
                var expected = similarity.Similarity.contiguous().data<float>().ToArray();
                var (positions, sentenceMask) = MaMABatch.FindSentences(ids, separator);
                long sentences = positions.shape[1];
                var maskArray = mask.data<long>().ToArray();
                var positionsArray = positions.to(ScalarType.Int64).contiguous().data<long>().ToArray();
                var sentenceMaskArray = sentenceMask.to(ScalarType.Int64).contiguous().data<long>().ToArray();
                check = s => MaxAbsDiff(expected, RunFloats(s, MaMAModelOnnxExporter.SimilarityOutput, Pixels(pixels),
                    (MamaOnnxExporter.InputIdsInput, idsArray, [2, length]), (MamaOnnxExporter.AttentionMaskInput, maskArray, [2, length]),
                    (MaMAModelOnnxExporter.SentencePositionsInput, positionsArray, [2, sentences]),
                    (MaMAModelOnnxExporter.SentenceMaskInput, sentenceMaskArray, [2, sentences])));
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown ONNX part.");
        }

        return SaveAndCheck(exported, check, part, outputPath, tolerance);
    }

    /// <summary>
    /// Writes the fine-tuned classifier of a saved pipeline (what <c>mama finetune</c> writes: its
    /// <see cref="FineTuneTransformer"/>, image encoder and head) to <paramref name="outputPath"/> as one ONNX graph
    /// (<c>pixels</c> -> <c>logits</c>, <c>probabilities</c>, the head's class names) and checks it against the
    /// transformer's TorchSharp model in ONNX Runtime on one random input.
    /// </summary>
    /// <param name="classifier">The fine-tuned stage (its model on the CPU).</param>
    /// <param name="outputPath">The .onnx file to write.</param>
    /// <param name="imageSize">Square input size; null uses the model's pretraining size.</param>
    /// <param name="seed">Seed of the random check input.</param>
    /// <param name="tolerance">Largest absolute difference that passes.</param>
    /// <exception cref="OnnxExportException">The model cannot be exported (e.g. an image encoder without an ONNX writer).</exception>
    public static OnnxExportReport ExportAndCheck(FineTuneTransformer classifier, string outputPath, int? imageSize = null, long seed = 0, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        using var lease = classifier.Model.Use();
        var model = classifier.Model.Model;
        model.eval();
        int size = imageSize ?? model.Config.ImageSize;
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(seed);
        var head = classifier.Head;
        var weight = tensor(head.Weight, [head.ClassCount, head.FeatureSize]);
        var bias = tensor(head.Bias, [head.ClassCount]);
        var names = head.ClassNames ?? [.. Enumerable.Range(0, head.ClassCount).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var (exported, check) = Classifier(model, weight, bias, names, size);
        return SaveAndCheck(exported, check, MaMAOnnxPart.Classifier, outputPath, tolerance);
    }

    // The classifier graph and its check: the model's pooled feature through the linear head, softmax.
    private static (ModelProto Exported, Func<InferenceSession, double> Check) Classifier(MaMAModel model, Tensor weight, Tensor bias, IReadOnlyList<string> classNames, int size)
    {
        var exported = MaMAModelOnnxExporter.ExportClassifier(model, weight, bias, classNames, size);
        var pixels = randn(1, 3, size, size);
        float[] expected;
        using (no_grad())
        using (var encoding = model.EncodeImages(pixels))
            expected = F.softmax(F.linear(encoding.PooledFeature, weight, bias), -1).data<float>().ToArray();
        var input = Pixels(pixels);
        return (exported, s => MaxAbsDiff(expected, RunFloats(s, MamaOnnxExporter.ProbabilitiesOutput, input)));
    }

    private static OnnxExportReport SaveAndCheck(ModelProto exported, Func<InferenceSession, double> check, MaMAOnnxPart part, string outputPath, double tolerance)
    {
        string? external = OnnxModelFile.Save(exported, outputPath);
        using var options = new SessionOptions();
        using var session = new InferenceSession(outputPath, options);
        double diff = check(session);
        string checkedOutput = part switch
        {
            MaMAOnnxPart.Image or MaMAOnnxPart.Text => MamaOnnxExporter.EmbeddingOutput,
            MaMAOnnxPart.Similarity => MaMAModelOnnxExporter.SimilarityOutput,
            _ => MamaOnnxExporter.ProbabilitiesOutput,
        };
        return new OnnxExportReport(outputPath, external, checkedOutput, diff, tolerance);
    }

    private static (string, Array, long[]) Pixels(Tensor pixels) => (MamaOnnxExporter.PixelsInput, pixels.data<float>().ToArray(), pixels.shape);

    private static float[] RunFloats(InferenceSession session, string output, params (string Name, Array Data, long[] Shape)[] inputs)
    {
        var values = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var (name, data, shape) in inputs)
                values[name] = data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    _ => throw new ArgumentException($"Unsupported input type {data.GetType()}"),
                };
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, values, [output]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in values.Values) v.Dispose();
        }
    }

    private static double MaxAbsDiff(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length)
            throw new OnnxExportException($"ONNX Runtime returned {actual.Length} values where the TorchSharp model gives {expected.Length}.");
        double max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        return max;
    }
}
