using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MaMA.MLNet.Modeling.Text.Lora;

/// <summary>
/// A linear layer y = x W^T + b (W stored [out, in], like nn.Linear) that can carry a LoRA adapter:
/// y = x W^T + b + scaling * B(A(dropout(x))), with A [r, in] and B [out, r] (PEFT's <c>lora_A</c>/<c>lora_B</c>).
/// Without an adapter it is a plain linear layer; the base parameters keep the names <c>weight</c> and
/// <c>bias</c> either way, so state-dict names do not depend on whether LoRA is on.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>, Text.IFrozenWeightHolder
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private Parameter weight;
    private Parameter? bias;
    private Linear? lora_A;
    private Linear? lora_B;
#pragma warning restore IDE1006
    private double _dropout;

    /// <summary>Creates the layer with nn.Linear's default initialisation (the GPT-2 encoder re-initialises it).</summary>
    public LoraLinear(string name, int inFeatures, int outFeatures, bool hasBias = true) : base(name)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentException($"LoraLinear '{name}': sizes must be positive, got in {inFeatures}, out {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (hasBias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            bias = new Parameter(empty(outFeatures));
            nn.init.uniform_(bias, -bound, bound);
        }
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The base weight, [out, in].</summary>
    public Parameter Weight => weight;

    /// <summary>The base bias, [out], or null.</summary>
    public Parameter? Bias => bias;

    /// <summary>Adapter down-projection A, [r, in], or null without an adapter.</summary>
    public Parameter? LoraA => lora_A?.weight;

    /// <summary>Adapter up-projection B, [out, r], or null without an adapter.</summary>
    public Parameter? LoraB => lora_B?.weight;

    /// <summary>Whether an adapter is attached.</summary>
    public bool HasAdapter => lora_A is not null;

    /// <summary>Adapter rank, or 0 without an adapter.</summary>
    public int Rank { get; private set; }

    /// <summary>alpha / r, or 0 without an adapter.</summary>
    public double Scaling { get; private set; }

    /// <summary>Whether the adapter's update is currently folded into <see cref="Weight"/>.</summary>
    public bool IsMerged { get; private set; }

    /// <summary>
    /// Attaches an adapter as PEFT does: A kaiming-uniform(a = sqrt 5), B zeros, so the layer's output does not
    /// change until B is trained. The adapter is float32 (float64 when the base is float64), on the base's device.
    /// </summary>
    /// <exception cref="InvalidOperationException">An adapter is already attached.</exception>
    public void AddAdapter(int rank, double alpha, double dropout)
    {
        if (HasAdapter) throw new InvalidOperationException($"LoraLinear '{GetName()}' already has an adapter.");
        if (rank <= 0) throw new ArgumentException($"LoRA rank must be positive, got {rank}.", nameof(rank));
        ScalarType dtype = weight.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var a = nn.Linear(InFeatures, rank, hasBias: false, device: weight.device, dtype: dtype);
        var b = nn.Linear(rank, OutFeatures, hasBias: false, device: weight.device, dtype: dtype);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(a.weight!, Math.Sqrt(5));
            nn.init.zeros_(b.weight!);
        }
        lora_A = a;
        lora_B = b;
        register_module("lora_A", a);
        register_module("lora_B", b);
        Rank = rank;
        Scaling = alpha / rank;
        _dropout = dropout;
    }

    /// <summary>Folds scaling x B A into the base weight for inference (no extra matmuls). Idempotent.</summary>
    public void Merge()
    {
        if (!HasAdapter || IsMerged) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        weight.add_(Delta().to(weight.dtype), ExplicitScalars.One);
        IsMerged = true;
    }

    /// <summary>Takes the adapter's update back out of the base weight. Idempotent.</summary>
    public void Unmerge()
    {
        if (!HasAdapter || !IsMerged) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        weight.sub_(Delta().to(weight.dtype));
        IsMerged = false;
    }

    // scaling * B A, [out, in], computed in the adapter's dtype (at least float32).
    private Tensor Delta() => lora_B!.weight!.matmul(lora_A!.weight!).Times(Scaling);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        ScalarType compute = input.dtype;
        var y = F.linear(input, FrozenWeights.As(weight, compute), bias is null ? null : FrozenWeights.As(bias, compute));
        if (!HasAdapter || IsMerged) return y;
        var x = F.dropout(input, _dropout, training);
        var adapterType = lora_A!.weight!.dtype;
        var update = lora_B!.forward(lora_A.forward(x.dtype == adapterType ? x : x.to(adapterType)));
        return y.PlusScaled(update.to(compute), Scaling);
    }

    void Text.IFrozenWeightHolder.CastFrozenParameters(ScalarType dtype)
    {
        var w = FrozenWeights.Cast(weight, dtype);
        if (!ReferenceEquals(w, weight)) { weight = w; ConditionallyRegisterParameter("weight", w); }
        if (bias is not null)
        {
            var b = FrozenWeights.Cast(bias, dtype);
            if (!ReferenceEquals(b, bias)) { bias = b; ConditionallyRegisterParameter("bias", b); }
        }
    }
}
