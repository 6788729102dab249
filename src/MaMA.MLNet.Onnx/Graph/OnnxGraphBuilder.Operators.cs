using Onnx;

namespace MaMA.MLNet.Onnx.Graph;

// One helper per ONNX operator (opset 17 signatures), plus the few composite patterns every exporter needs.
public sealed partial class OnnxGraphBuilder
{
    /// <summary><c>MatMul</c>: numpy-style matrix product with broadcasting batch axes.</summary>
    public string MatMul(string a, string b, string nameHint = "matmul") => AddNode("MatMul", nameHint, [a, b]);

    /// <summary><c>Gemm</c>: alpha * a @ op(b) + beta * c for 2-D a; <paramref name="transB"/> reads b as [out, in].</summary>
    public string Gemm(string a, string b, string? c, bool transB = true, string nameHint = "gemm") =>
        AddNode("Gemm", nameHint, c is null ? [a, b] : [a, b, c], OnnxAttribute.Int("transB", transB ? 1 : 0));

    /// <summary><c>Add</c> with broadcasting.</summary>
    public string Add(string a, string b, string nameHint = "add") => AddNode("Add", nameHint, [a, b]);

    /// <summary><c>Sub</c> with broadcasting.</summary>
    public string Sub(string a, string b, string nameHint = "sub") => AddNode("Sub", nameHint, [a, b]);

    /// <summary><c>Mul</c> with broadcasting.</summary>
    public string Mul(string a, string b, string nameHint = "mul") => AddNode("Mul", nameHint, [a, b]);

    /// <summary><c>Div</c> with broadcasting.</summary>
    public string Div(string a, string b, string nameHint = "div") => AddNode("Div", nameHint, [a, b]);

    /// <summary><c>Max</c> of two tensors with broadcasting.</summary>
    public string Max(string a, string b, string nameHint = "max") => AddNode("Max", nameHint, [a, b]);

    /// <summary><c>Sqrt</c>.</summary>
    public string Sqrt(string x, string nameHint = "sqrt") => AddNode("Sqrt", nameHint, [x]);

    /// <summary><c>Erf</c>.</summary>
    public string Erf(string x, string nameHint = "erf") => AddNode("Erf", nameHint, [x]);

    /// <summary><c>Tanh</c>.</summary>
    public string Tanh(string x, string nameHint = "tanh") => AddNode("Tanh", nameHint, [x]);

    /// <summary><c>Identity</c>.</summary>
    public string Identity(string x, string nameHint = "identity") => AddNode("Identity", nameHint, [x]);

    /// <summary><c>Reshape</c> to a constant target shape (0 copies the input's size, -1 is inferred).</summary>
    public string Reshape(string x, long[] shape, string nameHint = "reshape") => AddNode("Reshape", nameHint, [x, Int64s(shape)]);

    /// <summary><c>Transpose</c> with the given permutation.</summary>
    public string Transpose(string x, long[] perm, string nameHint = "transpose") =>
        AddNode("Transpose", nameHint, [x], OnnxAttribute.Ints("perm", perm));

    /// <summary><c>Concat</c> along <paramref name="axis"/>.</summary>
    public string Concat(long axis, IReadOnlyList<string> inputs, string nameHint = "concat") =>
        AddNode("Concat", nameHint, inputs, OnnxAttribute.Int("axis", axis));

    /// <summary><c>ReduceMean</c> over constant axes (an attribute up to opset 17).</summary>
    public string ReduceMean(string x, long[] axes, bool keepDims, string nameHint = "reduce_mean") =>
        AddNode("ReduceMean", nameHint, [x], OnnxAttribute.Ints("axes", axes), OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    /// <summary><c>ReduceMax</c> over constant axes.</summary>
    public string ReduceMax(string x, long[] axes, bool keepDims, string nameHint = "reduce_max") =>
        AddNode("ReduceMax", nameHint, [x], OnnxAttribute.Ints("axes", axes), OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    /// <summary><c>ReduceSum</c> over constant axes (an input since opset 13).</summary>
    public string ReduceSum(string x, long[] axes, bool keepDims, string nameHint = "reduce_sum") =>
        AddNode("ReduceSum", nameHint, [x, Int64s(axes)], OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    /// <summary><c>ReduceSumSquare</c> over constant axes.</summary>
    public string ReduceSumSquare(string x, long[] axes, bool keepDims, string nameHint = "reduce_sum_square") =>
        AddNode("ReduceSumSquare", nameHint, [x], OnnxAttribute.Ints("axes", axes), OnnxAttribute.Int("keepdims", keepDims ? 1 : 0));

    /// <summary><c>Softmax</c> along <paramref name="axis"/>.</summary>
    public string Softmax(string x, long axis = -1, string nameHint = "softmax") =>
        AddNode("Softmax", nameHint, [x], OnnxAttribute.Int("axis", axis));

    /// <summary><c>LayerNormalization</c> (opset 17) over the last axis.</summary>
    public string LayerNormalization(string x, string scale, string bias, float epsilon, string nameHint = "layer_norm") =>
        AddNode("LayerNormalization", nameHint, [x, scale, bias], OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", epsilon));

    /// <summary>2-D <c>Conv</c> without padding, with square kernel and stride (a ViT patch embedding).</summary>
    public string Conv(string x, string weight, string? bias, long kernel, long stride, string nameHint = "conv") =>
        AddNode("Conv", nameHint, bias is null ? [x, weight] : [x, weight, bias],
            OnnxAttribute.Ints("kernel_shape", kernel, kernel), OnnxAttribute.Ints("strides", stride, stride));

    /// <summary><c>Gather</c> along <paramref name="axis"/>.</summary>
    public string Gather(string data, string indices, long axis = 0, string nameHint = "gather") =>
        AddNode("Gather", nameHint, [data, indices], OnnxAttribute.Int("axis", axis));

    /// <summary><c>Shape</c> of a tensor, as int64.</summary>
    public string Shape(string x, string nameHint = "shape") => AddNode("Shape", nameHint, [x]);

    /// <summary><c>Slice</c> with tensor-valued starts, ends and axes (all 1-D int64).</summary>
    public string Slice(string x, string starts, string ends, string axes, string nameHint = "slice") =>
        AddNode("Slice", nameHint, [x, starts, ends, axes]);

    /// <summary><c>Slice</c> with constant bounds on one axis.</summary>
    public string Slice(string x, long axis, long start, long end, string nameHint = "slice") =>
        Slice(x, Int64s(start), Int64s(end), Int64s(axis), nameHint);

    /// <summary><c>Expand</c> (broadcast) to a runtime shape.</summary>
    public string Expand(string x, string shape, string nameHint = "expand") => AddNode("Expand", nameHint, [x, shape]);

    /// <summary><c>Unsqueeze</c> at constant axes (an input since opset 13).</summary>
    public string Unsqueeze(string x, long[] axes, string nameHint = "unsqueeze") => AddNode("Unsqueeze", nameHint, [x, Int64s(axes)]);

    /// <summary><c>Cast</c> to <paramref name="to"/>.</summary>
    public string Cast(string x, TensorProto.Types.DataType to, string nameHint = "cast") =>
        AddNode("Cast", nameHint, [x], OnnxAttribute.Int("to", (int)to));

    /// <summary><c>And</c> of two boolean tensors with broadcasting.</summary>
    public string And(string a, string b, string nameHint = "and") => AddNode("And", nameHint, [a, b]);

    /// <summary><c>Where</c>: <paramref name="whenTrue"/> where the condition holds, else <paramref name="whenFalse"/>.</summary>
    public string Where(string condition, string whenTrue, string whenFalse, string nameHint = "where") =>
        AddNode("Where", nameHint, [condition, whenTrue, whenFalse]);

    // ---- Composite patterns ----

    /// <summary>
    /// GELU written out from primitives: exact 0.5 x (1 + erf(x / sqrt 2)), or with <paramref name="tanhApproximation"/>
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) as GPT-2 uses.
    /// </summary>
    public string Gelu(string x, bool tanhApproximation, string nameHint = "gelu")
    {
        string inner;
        if (tanhApproximation)
        {
            string cube = Mul(Mul(x, x, nameHint + "/x2"), x, nameHint + "/x3");
            string poly = Add(x, Mul(cube, Scalar("gelu_c", 0.044715f), nameHint + "/cx3"), nameHint + "/poly");
            inner = Tanh(Mul(poly, Scalar("gelu_sqrt_2_over_pi", (float)Math.Sqrt(2.0 / Math.PI)), nameHint + "/arg"), nameHint + "/tanh");
        }
        else
        {
            inner = Erf(Mul(x, Scalar("gelu_inv_sqrt2", (float)(1.0 / Math.Sqrt(2.0))), nameHint + "/arg"), nameHint + "/erf");
        }
        string onePlus = Add(inner, Scalar("one", 1f), nameHint + "/one_plus");
        return Mul(Mul(x, onePlus, nameHint + "/x_times"), Scalar("half", 0.5f), nameHint);
    }

    /// <summary>
    /// x / max(||x||_2, 1e-12) along the last axis, as torch.nn.functional.normalize does.
    /// </summary>
    public string L2Normalize(string x, string nameHint = "l2_normalize")
    {
        string norm = Sqrt(ReduceSumSquare(x, [-1], keepDims: true, nameHint + "/sum_sq"), nameHint + "/norm");
        string clamped = Max(norm, Scalar("l2_eps", 1e-12f), nameHint + "/norm_clamped");
        return Div(x, clamped, nameHint);
    }
}
