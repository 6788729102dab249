using System.Runtime.InteropServices;
using MaMA.MLNet.Components;
using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Pretraining;
using static TorchSharp.torch;

namespace MaMA.MLNet.Embeddings;

/// <summary>One batch of <see cref="ImageEmbeddingStream"/>: the images that were embedded, row for row, and those that could not be read.</summary>
/// <param name="Records">The embedded records.</param>
/// <param name="Embeddings">Their L2-normalised embeddings, row i for record i.</param>
/// <param name="Failures">Records of the batch whose image could not be read, with the reader's error.</param>
public sealed record ImageEmbeddingBatch(IReadOnlyList<MammogramRecord> Records, IReadOnlyList<float[]> Embeddings,
                                         IReadOnlyList<(MammogramRecord Record, MammogramReadException Error)> Failures);

/// <summary>
/// Embeds records a batch at a time and yields each batch as soon as it is encoded, so a caller that writes and
/// drops batches (<c>mama embed</c>) holds one batch, not the archive. An image that cannot be read is reported in
/// its batch's <see cref="ImageEmbeddingBatch.Failures"/> and the others go on.
/// </summary>
public sealed class ImageEmbeddingStream : IDisposable
{
    private readonly MaMAModel _model;
    private readonly MaMAInferenceBackend _backend;
    private readonly int _batchSize;
    private readonly MammogramPreprocessor _preprocessor;
    private readonly int _side;
    private OnnxImageEncoderSession? _onnx;
    // Collections only between batches (TorchSharp's implicit Scalars; the decoding threads allocate).
    private readonly GcSafePointPacer _pacer = new();

    /// <summary>Embeds with <paramref name="model"/> (in eval mode) through <paramref name="backend"/>.</summary>
    /// <param name="model">The model; with ONNX Runtime its image encoder is exported once, at its image size.</param>
    /// <param name="backend">TorchSharp (the model's device) or ONNX Runtime (<paramref name="onnxDevice"/>).</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="onnxDevice">ONNX Runtime's device: cpu, or cuda where the GPU build is referenced (else it falls back to the CPU with a warning).</param>
    /// <param name="onnxIntraOpThreads">ONNX Runtime intra-op threads; 0 for its default.</param>
    /// <param name="warn">Hears ONNX Runtime's fallback warning (no CUDA provider); null writes it to standard error.</param>
    public ImageEmbeddingStream(MaMAModel model, MaMAInferenceBackend backend = MaMAInferenceBackend.TorchSharp, int batchSize = 32,
                                string onnxDevice = "cpu", int onnxIntraOpThreads = 0, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        _backend = backend;
        _batchSize = batchSize;
        _side = model.Config.ImageSize;
        _preprocessor = new MammogramPreprocessor(new PreprocessingOptions { ImageSize = _side });
        if (backend == MaMAInferenceBackend.OnnxRuntime)
            _onnx = OnnxImageEncoderSession.Open(OnnxModelFile.ToBytes(MaMAModelOnnxExporter.ExportImageEncoder(model, _side)),
                $"the image encoder exported at {_side} px", _side, model.Config.EmbeddingSize, onnxIntraOpThreads, onnxDevice, warn);
    }

    /// <summary>The execution provider ONNX Runtime runs on (CPU, CUDA), or null for TorchSharp.</summary>
    public string? OnnxExecutionProvider => _onnx?.ExecutionProvider;

    /// <summary>The embeddings of <paramref name="records"/>, a batch at a time, in order (lazily: nothing runs until enumerated).</summary>
    public IEnumerable<ImageEmbeddingBatch> Embed(IEnumerable<MammogramRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var chunk in records.Chunk(_batchSize))
        {
            var pixels = new float[chunk.Length][];
            var errors = new MammogramReadException?[chunk.Length];
            // As many images at once as their decoded size lets through the shared memory gate, not one per core.
            Parallel.For(0, chunk.Length, i =>
            {
                using var memory = DecodeMemoryGate.Shared.BeginScope();
                try { pixels[i] = MaMAZeroShotEvaluation.EvalPixels(chunk[i], _preprocessor); }
                catch (MammogramReadException e) { errors[i] = e; }
            });
            var good = Enumerable.Range(0, chunk.Length).Where(i => errors[i] is null).ToList();
            var failures = Enumerable.Range(0, chunk.Length).Where(i => errors[i] is not null).Select(i => (chunk[i], errors[i]!)).ToList();
            var packed = new float[good.Count * 3 * _side * _side];
            for (int k = 0; k < good.Count; k++) pixels[good[k]].CopyTo(packed, k * pixels[good[k]].Length);
            var embeddings = good.Count == 0 ? [] : Encode(packed, good.Count);
            yield return new ImageEmbeddingBatch(good.Select(i => chunk[i]).ToList(), embeddings, failures);
        }
    }

    private float[][] Encode(float[] packed, int rows)
    {
        float[] flat;
        if (_onnx is not null)
            flat = _onnx.RunFlat(packed, rows);
        else
        {
            _pacer.SafePoint();
            using var scope = NewDisposeScope();
            using var inference = no_grad();
            // Made on the model's device (a model moved to a GPU runs there; the rows come back to the CPU below).
            using var batch = tensor(packed, [rows, 3, _side, _side], device: MaMAZeroShotEvaluation.DeviceOf(_model));
            using var encoding = _model.EncodeImages(batch);
            flat = encoding.Embedding.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        }
        int width = flat.Length / rows;
        var result = new float[rows][];
        for (int r = 0; r < rows; r++) result[r] = flat.AsSpan(r * width, width).ToArray();
        return result;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _onnx?.Dispose();
        _onnx = null;
        _pacer.Dispose();
    }
}
