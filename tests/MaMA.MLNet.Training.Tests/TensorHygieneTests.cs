using MaMA.MLNet.Training.Tests.Toy;
using TorchSharp;

namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class TensorHygieneTests
{
    [TestMethod]
    public void FiftyStepsLeaveNoLiveTensorBehind()
    {
        // DisposeScopeManager.Statistics counts the tensors created and disposed on this thread (the training
        // thread: the trainer runs on the caller's thread and the synchronous progress handler runs there too).
        // After warm-up (optimiser state, first log line), the live count must stay flat, validation and
        // checkpoints included.
        using var temp = new TempFolder();
        var live = new Dictionary<long, long>();
        var options = Toys.Options(60) with
        {
            CheckpointDirectory = temp.Path, CheckpointEvery = 10, ValidateEvery = 5, LogPath = temp.Sub("log.jsonl"), MaxGradientNorm = 1.0,
        };
        new PretrainingTrainer<ToyPrepared, ToyBatch>(Toys.Objective(), new ToyData(), options,
            validate: c =>
            {
                using var x = torch.ones(2, ToyNet.Inputs);
                return new Dictionary<string, double> { ["v"] = ((ToyNet)c.Module).Hidden_(x).sum().item<float>() };
            },
            progress: new SyncProgress(p => live[p.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount)).Run();

        Assert.AreEqual(live[10], live[60], $"live tensors after step 10: {live[10]}, after step 60: {live[60]}");
        Assert.AreEqual(live[10], live[35]);
    }
}
