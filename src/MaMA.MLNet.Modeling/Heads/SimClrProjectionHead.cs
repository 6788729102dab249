using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Heads;

/// <summary>
/// The SimCLR projection head of MaMA's image-image loss (SLIP style): Linear(D -> hidden, no bias) - BatchNorm1d -
/// ReLU - Linear(hidden -> 512). Submodules are named <c>layers.0</c> (linear), <c>layers.1</c> (batch norm),
/// <c>layers.3</c> (linear), as lightly's <c>SimCLRProjectionHead</c>. Newer lightly versions end with a
/// BatchNorm1d on the output and drop the last bias; the constructor's <c>outputBatchNorm</c> selects that variant
/// (then <c>layers.4</c>).
/// </summary>
public sealed class SimClrProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    /// <summary>Creates inputDim -> hiddenDim -> outputDim (MaMA: 768 -> 768 -> 512).</summary>
    /// <param name="inputDim">Feature width.</param>
    /// <param name="hiddenDim">Hidden width.</param>
    /// <param name="outputDim">Output width.</param>
    /// <param name="outputBatchNorm">End with BatchNorm1d (and no bias on the last linear), as lightly 1.4+.</param>
    public SimClrProjectionHead(long inputDim, long hiddenDim, long outputDim = 512, bool outputBatchNorm = false) : base(nameof(SimClrProjectionHead))
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", nn.Linear(inputDim, hiddenDim, hasBias: false)),
            ("1", new TrackedBatchNorm1d(hiddenDim)),
            ("2", nn.ReLU()),
            ("3", nn.Linear(hiddenDim, outputDim, hasBias: !outputBatchNorm)),
        };
        if (outputBatchNorm) modules.Add(("4", new TrackedBatchNorm1d(outputDim)));
        layers = nn.Sequential(modules);
        register_module("layers", layers);
    }

    /// <summary>Projects features [B, D] to [B, outputDim].</summary>
    public override Tensor forward(Tensor features) => layers.forward(features);
}
