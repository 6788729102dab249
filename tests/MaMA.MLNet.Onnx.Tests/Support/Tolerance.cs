namespace MaMA.MLNet.Onnx.Tests.Support;

internal static class Tolerance
{
    /// <summary>The parity bound between ONNX Runtime (float32) and the float64 TorchSharp reference.</summary>
    public const double Parity = 1e-4;

    public static double MaxAbsDiff(float[] actual, double[] expected)
    {
        Assert.HasCount(expected.Length, actual, "element count");
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.IsTrue(float.IsFinite(actual[i]), $"element {i} is {actual[i]}");
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }
        return max;
    }

    public static void AssertClose(float[] actual, double[] expected, string what, double tolerance = Parity)
    {
        double diff = MaxAbsDiff(actual, expected);
        Assert.IsLessThanOrEqualTo(tolerance, diff, $"{what}: max |ORT - reference| = {diff:E3}");
    }
}
