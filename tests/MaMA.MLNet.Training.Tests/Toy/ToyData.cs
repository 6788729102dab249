using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.Toy;

internal sealed record ToyPrepared(float[] X, float[] Y, int Count);

internal sealed record ToyBatch(Tensor X, Tensor Y);

/// <summary>
/// y = w.x + 0.5 over a fixed set of samples; preparation adds augmentation noise drawn from the batch's random
/// stream (so batch content depends on the derived RNG). Can fail or hand out NaN at a chosen micro-batch.
/// </summary>
internal sealed class ToyData : ITrainingData<ToyPrepared, ToyBatch>
{
    private static readonly float[] Weights = [0.5f, -1.0f, 2.0f, 0.25f];
    private readonly float[][] _x;
    private readonly float[] _y;

    public ToyData(int sampleCount = 64, double noise = 0.05)
    {
        Noise = noise;
        var random = new Random(1234);
        _x = new float[sampleCount][];
        _y = new float[sampleCount];
        for (int i = 0; i < sampleCount; i++)
        {
            _x[i] = new float[ToyNet.Inputs];
            for (int j = 0; j < ToyNet.Inputs; j++) _x[i][j] = (float)(random.NextDouble() * 2 - 1);
            _y[i] = _x[i].Zip(Weights, (a, b) => a * b).Sum() + 0.5f;
        }
    }

    public double Noise { get; }

    /// <summary>Preparing this micro-batch throws.</summary>
    public long? FailAtSequence { get; init; }

    /// <summary>This micro-batch's inputs are NaN.</summary>
    public long? NaNAtSequence { get; init; }

    /// <summary>Preparing this micro-batch waits until the prefetch queue stops.</summary>
    public long? BlockAtSequence { get; init; }

    public int SampleCount => _y.Length;

    public ToyPrepared Prepare(BatchKey key, Random random, CancellationToken cancellationToken)
    {
        if (key.Sequence == FailAtSequence) throw new InvalidDataException("toy sample is unreadable");
        if (key.Sequence == BlockAtSequence)
        {
            cancellationToken.WaitHandle.WaitOne();
            cancellationToken.ThrowIfCancellationRequested();
        }
        int n = key.SampleIndices.Count;
        var x = new float[n * ToyNet.Inputs];
        var y = new float[n];
        for (int b = 0; b < n; b++)
        {
            int i = key.SampleIndices[b];
            for (int j = 0; j < ToyNet.Inputs; j++)
                x[b * ToyNet.Inputs + j] = _x[i][j] + (float)(Noise * (random.NextDouble() * 2 - 1));
            y[b] = _y[i];
        }
        if (key.Sequence == NaNAtSequence) x[0] = float.NaN;
        return new ToyPrepared(x, y, n);
    }

    public ToyBatch ToBatch(ToyPrepared prepared, Device device, ScalarType floatType) => new(
        torch.tensor(prepared.X, [prepared.Count, ToyNet.Inputs], floatType, device),
        torch.tensor(prepared.Y, [prepared.Count], floatType, device));
}
