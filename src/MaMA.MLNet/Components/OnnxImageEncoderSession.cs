using System.Runtime.InteropServices;
using MaMA.MLNet.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace MaMA.MLNet.Components;

/// <summary>
/// An exported MaMA image encoder (<c>pixels</c> [B, 3, S, S] -> <c>embedding</c> [B, E]) in one ONNX Runtime
/// session that runs whole batches. <see cref="Run"/> may be called from several threads at once (ONNX Runtime's
/// <c>InferenceSession.Run</c> is thread-safe); the input is read in place from the caller's buffer.
/// </summary>
internal sealed class OnnxImageEncoderSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames = [MamaOnnxExporter.PixelsInput];
    private readonly string[] _outputNames = [MamaOnnxExporter.EmbeddingOutput];
    private bool _disposed;

    private OnnxImageEncoderSession(InferenceSession session, int imageSize, int embeddingSize, string executionProvider)
    {
        _session = session;
        ImageSize = imageSize;
        EmbeddingSize = embeddingSize;
        ExecutionProvider = executionProvider;
    }

    /// <summary>Where the session runs: <c>CPU</c> or <c>CUDA</c>.</summary>
    public string ExecutionProvider { get; }

    /// <summary>The side S of the images the session takes.</summary>
    public int ImageSize { get; }

    /// <summary>The width E of the embedding it returns.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Opens <paramref name="model"/> (ONNX bytes) for S x S images and checks its interface.</summary>
    /// <param name="model">The exported encoder.</param>
    /// <param name="sourceName">Names the model in errors (its file, or "the exported encoder").</param>
    /// <param name="imageSize">The side of the images the column holds.</param>
    /// <param name="embeddingSize">The embedding width the model directory's config says.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; 0 for its default.</param>
    /// <param name="device"><c>cpu</c>, or <c>cuda</c> / <c>cuda:N</c> for the CUDA execution provider (falls back to the CPU with a warning when it cannot be had).</param>
    /// <param name="warn">Hears the fallback warning; null writes it to stderr.</param>
    /// <exception cref="OnnxExportException">The bytes are not an ONNX model, lack the pixels/embedding interface, or take another image size or give another width.</exception>
    public static OnnxImageEncoderSession Open(byte[] model, string sourceName, int imageSize, int embeddingSize, int intraOpThreads,
                                               string device = "cpu", Action<string>? warn = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
        string provider = OnnxExecutionProviders.Configure(options, device, warn ?? (m => Console.Error.WriteLine(m)));
        InferenceSession session;
        try
        {
            session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxExportException($"{sourceName}: ONNX Runtime cannot load it: {e.Message}", e);
        }
        try
        {
            if (!session.InputMetadata.TryGetValue(MamaOnnxExporter.PixelsInput, out var pixels)
                || !session.OutputMetadata.TryGetValue(MamaOnnxExporter.EmbeddingOutput, out var embedding))
                throw new OnnxExportException(
                    $"{sourceName} is not a MaMA image encoder: it needs a '{MamaOnnxExporter.PixelsInput}' input and an '{MamaOnnxExporter.EmbeddingOutput}' output " +
                    $"(it has {string.Join(", ", session.InputMetadata.Keys.Concat(session.OutputMetadata.Keys))}).");
            int[] p = pixels.Dimensions, e = embedding.Dimensions;
            if (p.Length != 4 || p[1] != 3 || (p[2] > 0 && p[2] != imageSize) || (p[3] > 0 && p[3] != imageSize))
                throw new OnnxExportException($"{sourceName} takes pixels [{string.Join(", ", p)}]; the image column holds [3, {imageSize}, {imageSize}] (export it at {imageSize} px).");
            if (e.Length != 2 || e[1] != embeddingSize)
                throw new OnnxExportException($"{sourceName} outputs embeddings [{string.Join(", ", e)}]; the model directory's embedding size is {embeddingSize} (was it exported from another model?).");
            return new OnnxImageEncoderSession(session, imageSize, embeddingSize, provider);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Encodes <paramref name="rows"/> images packed row after row in <paramref name="pixels"/> into one dense VBuffer each.</summary>
    /// <exception cref="ObjectDisposedException">The transformer that owns the session was disposed.</exception>
    public void Run(ReadOnlyMemory<float> pixels, int rows, object?[] into)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // ONNX Runtime only reads its inputs, so the read-only batch buffer is handed over without a copy.
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(pixels),
            [rows, 3, ImageSize, ImageSize]);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, _inputNames, [input], _outputNames);
        ImageBatch.ToRows(results[0].GetTensorDataAsSpan<float>(), into, rows);
    }

    /// <summary>Encodes <paramref name="rows"/> images packed row after row in <paramref name="pixels"/>; returns the embeddings [rows * E], row after row.</summary>
    /// <exception cref="ObjectDisposedException">The owner disposed the session.</exception>
    public float[] RunFlat(ReadOnlyMemory<float> pixels, int rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(pixels),
            [rows, 3, ImageSize, ImageSize]);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, _inputNames, [input], _outputNames);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        _disposed = true;
        _session.Dispose();
    }
}
