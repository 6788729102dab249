namespace MaMA.MLNet.Benchmarks;

/// <summary>One benchmark: a name to run it by, a line of help, and the run itself.</summary>
/// <remarks>Each benchmark measures a peer in the same run (GDCM, ONNX Runtime, the matmul peak) and prints ratios.</remarks>
public interface IBenchmark
{
    /// <summary>The name on the command line.</summary>
    string Name { get; }
    /// <summary>What it measures and against which peer.</summary>
    string Description { get; }
    /// <summary>Runs with the remaining arguments; returns the process exit code.</summary>
    int Run(string[] args);
}
