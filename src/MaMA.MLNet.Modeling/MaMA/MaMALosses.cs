using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.MaMA;

/// <summary>
/// The loss terms of one batch (each a scalar tensor with its graph) and the retrieval accuracy of the
/// image-text logits. <see cref="Total"/> is the sum of the terms, all weighted 1 as in the reference.
/// </summary>
public sealed class MaMALosses : IDisposable
{
    /// <summary>Name of the image-text CLIP term.</summary>
    public const string ImageText = "image_text";
    /// <summary>Name of the multi-view NT-Xent term.</summary>
    public const string MultiView = "multi_view";
    /// <summary>Name of the second-view CLIP term.</summary>
    public const string SecondViewText = "second_view_text";
    /// <summary>Name of the symmetric local alignment term.</summary>
    public const string LocalAlignment = "local_alignment";

    /// <summary>Creates the result; <paramref name="terms"/> must not be empty.</summary>
    public MaMALosses(IReadOnlyDictionary<string, Tensor> terms, Tensor total, double top1, double top5)
    {
        Terms = terms;
        Total = total;
        RetrievalTop1 = top1;
        RetrievalTop5 = top5;
    }

    /// <summary>The computed terms by name (<see cref="ImageText"/>, ...), in the order they were added.</summary>
    public IReadOnlyDictionary<string, Tensor> Terms { get; }

    /// <summary>Sum of <see cref="Terms"/>: the tensor to call backward on.</summary>
    public Tensor Total { get; }

    /// <summary>Top-1 retrieval accuracy of the image-text logits, both directions averaged, in [0, 1].</summary>
    public double RetrievalTop1 { get; }

    /// <summary>Top-5 retrieval accuracy (k capped at the batch size), in [0, 1].</summary>
    public double RetrievalTop5 { get; }

    /// <summary>The terms and the total as plain numbers (for logging).</summary>
    public IReadOnlyDictionary<string, double> ToValues()
    {
        var values = Terms.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().to(ScalarType.Float64).item<double>());
        values["total"] = Total.detach().cpu().to(ScalarType.Float64).item<double>();
        return values;
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Terms.Values) t.Dispose();
        Total.Dispose();
    }
}
