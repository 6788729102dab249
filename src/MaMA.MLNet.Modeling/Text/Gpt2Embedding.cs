using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Text;

/// <summary>How rows added to the token embedding are initialised (see <see cref="Gpt2Embedding.Resize"/>).</summary>
public enum EmbeddingResizeInit
{
    /// <summary>
    /// Every new row is the mean of the old rows. Hugging Face's <c>resize_token_embeddings</c> (transformers
    /// 4.46 and later, <c>mean_resizing=True</c>) samples from a normal around that mean with covariance
    /// 1e-9 x the old rows' covariance, i.e. the mean up to noise of order 1e-5; we drop the noise.
    /// </summary>
    Mean,

    /// <summary>New rows drawn from N(0, 0.02^2): GPT-2's <c>initializer_range</c>, the older Hugging Face default.</summary>
    Normal,
}

/// <summary>
/// A lookup table with one parameter <c>weight</c> [rows, width]: GPT-2's token (<c>wte</c>) and position
/// (<c>wpe</c>) embeddings. Returns rows in the storage dtype; the encoder widens them to its compute dtype.
/// </summary>
public sealed class Gpt2Embedding : nn.Module<Tensor, Tensor>, IFrozenWeightHolder
{
#pragma warning disable IDE1006 // field names are the state-dict names
    private Parameter weight;
#pragma warning restore IDE1006

    /// <summary>Creates the table with N(0, 0.02^2) rows.</summary>
    public Gpt2Embedding(string name, int rows, int width) : base(name)
    {
        weight = new Parameter(empty(rows, width));
        using (no_grad()) nn.init.normal_(weight, 0, 0.02);
        RegisterComponents();
    }

    /// <summary>The table, [rows, width].</summary>
    public Parameter Weight => weight;

    /// <summary>Number of rows.</summary>
    public long Rows => weight.shape[0];

    /// <inheritdoc/>
    public override Tensor forward(Tensor indices)
    {
        var flat = weight.index_select(0, indices.reshape(-1));
        return flat.reshape([.. indices.shape, weight.shape[1]]);
    }

    /// <summary>
    /// Grows (or shrinks) the table to <paramref name="rows"/>, keeping the existing rows; new rows follow
    /// <paramref name="init"/>. Keeps the table's dtype, device and requires-grad flag.
    /// </summary>
    public void Resize(int rows, EmbeddingResizeInit init)
    {
        if (rows <= 0) throw new ArgumentException($"Embedding '{GetName()}': row count must be positive, got {rows}.", nameof(rows));
        long old = weight.shape[0];
        if (rows == old) return;
        Parameter resized;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            Tensor table;
            if (rows < old) table = weight.narrow(0, 0, rows).clone();
            else
            {
                // Statistics in at least float32, so a bfloat16 table gets an accurate mean.
                var wide = weight.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
                var extra = init switch
                {
                    EmbeddingResizeInit.Mean => weight.to(wide).mean([0], keepdim: true).expand(rows - old, weight.shape[1]),
                    _ => empty([rows - old, weight.shape[1]], dtype: wide, device: weight.device).normal_(0, 0.02),
                };
                extra = extra.to(weight.dtype);
                table = cat([weight, extra], 0);
            }
            resized = new Parameter(table.contiguous().MoveToOuterDisposeScope(), requires_grad: weight.requires_grad);
        }
        var previous = weight;
        weight = resized;
        ConditionallyRegisterParameter("weight", resized);
        previous.Dispose();
    }

    void IFrozenWeightHolder.CastFrozenParameters(ScalarType dtype)
    {
        var w = FrozenWeights.Cast(weight, dtype);
        if (!ReferenceEquals(w, weight)) { weight = w; ConditionallyRegisterParameter("weight", w); }
    }
}
