using MaMA.MLNet.Tests.Components.Support;
using Microsoft.ML;

namespace MaMA.MLNet.Tests.Components;

/// <summary>
/// One fitted LoadMammograms -> MaMAImageEmbedding pipeline used from several threads at once, as a server does: a
/// prediction engine per thread and batched Transform cursors beside them, all giving the single-thread results.
/// Before the fix this crashed the process (double free, SIGSEGV, "Tensor invalid -- empty handle") in most runs.
/// </summary>
[TestClass]
public sealed class ConcurrentInferenceTests
{
    private sealed class Input
    {
        public string Path { get; set; } = "";
    }

    private sealed class Output
    {
        public string Path { get; set; } = "";
        public float[] Embedding { get; set; } = [];
    }

    private const int Threads = 4;
    private const int PredictionsPerThread = 40;
    private const int CursorThreads = 2;
    private const int PassesPerCursorThread = 3;

    [TestMethod]
    public void PerThreadEnginesAndConcurrentCursorsGiveTheSingleThreadResults()
    {
        var ml = new MLContext(seed: 1);
        var inputs = ComponentFixture.Rows.Select(r => new Input { Path = r.Path }).ToList();
        var data = ml.Data.LoadFromEnumerable(inputs);
        var model = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions)
            .Append(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, "Embedding", "Image"))
            .Fit(data);
        float[][] expected;
        using (var single = ml.Model.CreatePredictionEngine<Input, Output>(model))
            expected = inputs.Select(i => single.Predict(i).Embedding).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(Threads + CursorThreads + 1);
        var workers = new List<Thread>();
        for (int t = 0; t < Threads; t++)
        {
            int thread = t;
            workers.Add(new Thread(() =>
            {
                start.SignalAndWait();
                Guard(failures, $"engine {thread}", () =>
                {
                    using var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
                    for (int n = 0; n < PredictionsPerThread; n++)
                    {
                        int row = (thread * 7 + n) % inputs.Count;
                        Compare(expected[row], engine.Predict(inputs[row]).Embedding, $"engine {thread}, prediction {n} (row {row})", failures);
                    }
                });
            }));
        }
        for (int t = 0; t < CursorThreads; t++)
        {
            int thread = t;
            workers.Add(new Thread(() =>
            {
                start.SignalAndWait();
                Guard(failures, $"cursor {thread}", () =>
                {
                    for (int pass = 0; pass < PassesPerCursorThread; pass++)
                    {
                        var rows = ml.Data.CreateEnumerable<Output>(model.Transform(data), reuseRowObject: false).ToList();
                        for (int row = 0; row < rows.Count; row++)
                            Compare(expected[row], rows[row].Embedding, $"cursor {thread}, pass {pass}, row {row}", failures);
                    }
                });
            }));
        }
        // Garbage from a thread that touches no tensor, as any server has: collections happen while forwards run.
        var churn = new Thread(() =>
        {
            start.SignalAndWait();
            while (workers.Any(w => w.IsAlive))
            {
                for (int i = 0; i < 1000; i++) GC.KeepAlive(new byte[1024]);
                GC.Collect(0);
                Thread.Yield();
            }
        });
        foreach (var w in workers) w.Start();
        churn.Start();
        foreach (var w in workers) w.Join();
        churn.Join();
        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures.Take(10)));
    }

    [TestMethod]
    public void TheModelLivesUntilThePipelineIsDisposedAndNoEngineIsLeft()
    {
        var ml = new MLContext(seed: 1);
        var input = new Input { Path = ComponentFixture.Rows[0].Path };
        var model = ml.Transforms.LoadMammograms("Image", "Path", ComponentFixture.LoaderOptions)
            .Append(ml.Transforms.MaMAImageEmbedding(ComponentFixture.ModelDirectory, "Embedding", "Image"))
            .Fit(ml.Data.LoadFromEnumerable(new[] { input }));
        var embedding = model.LastTransformer.Model;
        UseTwoEnginesAndDisposeTheFirst(ml, model, input);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.ThrowsExactly<ObjectDisposedException>(() => embedding.Use(), "the model outlived the pipeline and its engines");
    }

    // Not inlined, so the engines are unreachable when it returns.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void UseTwoEnginesAndDisposeTheFirst(MLContext ml, ITransformer model, Input input)
    {
        var first = ml.Model.CreatePredictionEngine<Input, Output>(model);
        var second = ml.Model.CreatePredictionEngine<Input, Output>(model);
        float[] expected = first.Predict(input).Embedding;
        first.Dispose(); // ML.NET disposes the transformer chain here (PredictionEngineOptions.OwnsTransformer)
        // The pipeline is disposed, but the second engine still works.
        CollectionAssert.AreEqual(expected, second.Predict(input).Embedding);
        second.Dispose();
    }

    private static void Guard(System.Collections.Concurrent.ConcurrentQueue<string> failures, string who, Action work)
    {
        try { work(); }
        catch (Exception e) { failures.Enqueue($"{who}: {e}"); }
    }

    private static void Compare(float[] expected, float[] actual, string what, System.Collections.Concurrent.ConcurrentQueue<string> failures)
    {
        if (expected.Length != actual.Length)
        {
            failures.Enqueue($"{what}: {actual.Length} values, expected {expected.Length}");
            return;
        }
        for (int k = 0; k < expected.Length; k++)
        {
            if (Math.Abs(expected[k] - actual[k]) > 1e-5f)
            {
                failures.Enqueue($"{what}: value {k} is {actual[k]}, expected {expected[k]}");
                return;
            }
        }
    }
}
