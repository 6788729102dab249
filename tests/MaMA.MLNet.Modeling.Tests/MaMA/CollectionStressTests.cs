using MaMA.MLNet.Modeling.MaMA;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Tests.MaMA;

/// <summary>
/// Inference and training steps (forward, backward) while another thread forces full collections: with TorchSharp
/// 0.107's implicit Scalars in the forward, a collection during a native call freed a Scalar libtorch was still reading
/// ("Unknown scalar type", Scalar.h assertion, crash). The forwards create none now (<see cref="ExplicitScalars"/>).
/// Bounded in iterations, not time; alone, as a process-wide collector thread would disturb other tests' timing.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class CollectionStressTests
{
    private const int Rounds = 12;

    [TestMethod]
    public void ForwardAndBackwardSurviveCollectionsFromAnotherThread()
    {
        var config = MaMATestModels.Small;
        using var model = MaMATestModels.Build(config, seed: 3);
        var pixels = MaMATestModels.Pixels(4, 56, 56, seed: 4);
        var second = MaMATestModels.Pixels(4, 56, 56, seed: 5);
        var (ids, mask) = MaMATestModels.Captions(config, [20, 25, 30, 12], [2, 3, 1, 2], 32, seed: 6);
        var batch = MaMABatch.Create(pixels, second, ids, mask, config.SeparatorTokenId);

        // Reference values without the collector.
        model.eval();
        float[] expectedEmbedding;
        using (var encoding = model.EncodeImages(pixels)) expectedEmbedding = encoding.Embedding.data<float>().ToArray();
        float[] expectedTexts;
        using (var texts = model.EncodeTexts(ids, mask)) expectedTexts = texts.data<float>().ToArray();

        using var stop = new CancellationTokenSource();
        int collections = 0;
        var collector = new Thread(() =>
        {
            // Bounded: at most 200,000 collections even if the test thread hangs.
            for (int i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
                collections++;
            }
        });
        collector.Start();
        try
        {
            for (int round = 0; round < Rounds; round++)
            {
                model.eval();
                using (var encoding = model.EncodeImages(pixels))
                    AssertClose(expectedEmbedding, encoding.Embedding.data<float>().ToArray(), $"round {round}: image embedding");
                using (var texts = model.EncodeTexts(ids, mask))
                    AssertClose(expectedTexts, texts.data<float>().ToArray(), $"round {round}: text embedding");

                model.train();
                using var scope = NewDisposeScope();
                model.zero_grad();
                using var losses = model.ComputeLosses(batch);
                Assert.IsTrue(double.IsFinite(losses.Total.item<float>()), $"round {round}: loss");
                losses.Total.backward();
                var grad = model.Scales.LogitScale.grad;
                Assert.IsNotNull(grad, $"round {round}: no gradient");
                Assert.IsTrue(double.IsFinite(grad.item<float>()), $"round {round}: gradient");
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        Assert.IsGreaterThan(0, collections, "the collector never ran");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5f, $"{what}, value {i}");
    }
}
