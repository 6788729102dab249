using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling;

/// <summary>
/// Tensor arithmetic that creates no implicit TorchSharp <see cref="Scalar"/>. TorchSharp 0.107 turns every number
/// passed where a <see cref="Scalar"/> is expected into a new object that only its finalizer frees, and
/// <c>a + b</c> / <c>a.add(b)</c> pass <c>alpha: 1</c> that way. Once the native handle has been read the object is
/// garbage, so a collection on any thread during the native call can free it while libtorch still reads it ("Unknown
/// scalar type", a Scalar.h assertion, a crash). The forward and loss code of this library uses these helpers instead:
/// constants are process-lifetime scalars (never collected; libtorch only reads them, so threads share them), and a
/// value known at run time gets a scalar that is disposed after the call returns, so it stays reachable during it.
/// </summary>
public static class ExplicitScalars
{
    /// <summary>0, for the whole process.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>1, for the whole process (the <c>alpha</c> of a plain addition).</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>Negative infinity, for the whole process (masking logits).</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    /// <summary><paramref name="left"/> + <paramref name="right"/> (what <c>left + right</c> computes).</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary><paramref name="left"/> + <paramref name="alpha"/> * <paramref name="right"/>.</summary>
    public static Tensor PlusScaled(this Tensor left, Tensor right, double alpha)
    {
        using var a = alpha.ToScalar();
        return left.add(right, a);
    }

    /// <summary><paramref name="left"/> + <paramref name="value"/>.</summary>
    public static Tensor Plus(this Tensor left, long value)
    {
        using var v = value.ToScalar();
        return left.add(v, One);
    }

    /// <summary><paramref name="left"/> * <paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor left, double factor)
    {
        using var f = factor.ToScalar();
        return left.mul(f);
    }

    /// <summary><paramref name="left"/> / <paramref name="divisor"/>.</summary>
    public static Tensor DividedBy(this Tensor left, double divisor)
    {
        using var d = divisor.ToScalar();
        return left.div(d);
    }

    /// <summary>In place: <paramref name="tensor"/> /= <paramref name="divisor"/>.</summary>
    public static Tensor DivideInPlace(this Tensor tensor, double divisor)
    {
        using var d = divisor.ToScalar();
        return tensor.div_(d);
    }

    /// <summary>Elements of <paramref name="tensor"/> equal to <paramref name="value"/>.</summary>
    public static Tensor EqualTo(this Tensor tensor, long value)
    {
        using var v = value.ToScalar();
        return tensor.eq(v);
    }

    /// <summary><paramref name="tensor"/> clamped from below at <paramref name="min"/>.</summary>
    public static Tensor AtLeast(this Tensor tensor, double min)
    {
        using var m = min.ToScalar();
        return tensor.clamp_min(m);
    }

    /// <summary><paramref name="tensor"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor FilledWhere(this Tensor tensor, Tensor mask, Scalar value) => tensor.masked_fill(mask, value);

    /// <summary>0, 1, ..., <paramref name="count"/> - 1 as int64 on <paramref name="device"/> (what <c>arange(count)</c> gives).</summary>
    public static Tensor Range(long count, Device? device = null)
    {
        using var stop = count.ToScalar();
        return arange(Zero, stop, One, ScalarType.Int64, device);
    }
}
