using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training.Tests.Toy;

/// <summary>
/// A 2-layer MLP regressor with the parts the engine must handle: dropout (so the RNG state matters), a norm, a
/// learnable log-scale, a head that starts late, and a parameter frozen for good (like the frozen LLM).
/// </summary>
internal sealed class ToyNet : nn.Module
{
    public const int Inputs = 4;
    public const int Hidden = 16;

#pragma warning disable IDE1006 // field names are the state-dict names, as in PyTorch
    public readonly Linear fc1;
    public readonly LayerNorm norm;
    public readonly Dropout drop;
    public readonly Linear fc2;
    public readonly Linear late_head;
    public readonly Parameter logit_scale;
    public readonly Parameter frozen_table;
#pragma warning restore IDE1006

    public ToyNet(double dropout, double logitScale = 0.0) : base("toy")
    {
        fc1 = nn.Linear(Inputs, Hidden);
        norm = nn.LayerNorm(Hidden);
        drop = nn.Dropout(dropout);
        fc2 = nn.Linear(Hidden, 1);
        late_head = nn.Linear(Hidden, 1);
        logit_scale = new Parameter(torch.tensor(logitScale, ScalarType.Float32));
        frozen_table = new Parameter(torch.randn(3, Inputs), requires_grad: false);
        RegisterComponents();
    }

    public Tensor Hidden_(Tensor x) => drop.call(norm.call(nn.functional.relu(fc1.call(x))));

    /// <summary>A snapshot of every state-dict entry as floats, by name.</summary>
    public Dictionary<string, float[]> Snapshot()
    {
        var result = new Dictionary<string, float[]>();
        foreach (var (name, t) in state_dict())
            result[name] = t.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray();
        return result;
    }
}
