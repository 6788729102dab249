using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace MaMA.MLNet.Onnx.Tests.Support;

/// <summary>One output of an ONNX Runtime run: values in row-major order and the shape ORT reported.</summary>
internal sealed record OrtOutput(float[] Values, long[] Shape);

/// <summary>
/// Runs exported models in ONNX Runtime, the external check. By default graph optimisation is off and
/// strict shape/type inference is on, so ORT validates every node's types and inferred shapes against the
/// graph as we wrote it (not a fused rewrite of it) when the session is created.
/// </summary>
internal static class OrtRunner
{
    public static SessionOptions StrictOptions(GraphOptimizationLevel level = GraphOptimizationLevel.ORT_DISABLE_ALL)
    {
        var options = new SessionOptions { GraphOptimizationLevel = level };
        options.AddSessionConfigEntry("session.strict_shape_type_inference", "1");
        return options;
    }

    public static Dictionary<string, OrtOutput> Run(ModelProto model, params (string Name, Array Data, long[] Shape)[] inputs) =>
        Run(model, GraphOptimizationLevel.ORT_DISABLE_ALL, inputs);

    public static Dictionary<string, OrtOutput> Run(ModelProto model, GraphOptimizationLevel level, params (string Name, Array Data, long[] Shape)[] inputs)
    {
        using var options = StrictOptions(level);
        using var session = new InferenceSession(model.ToByteArray(), options);
        return Run(session, inputs);
    }

    public static Dictionary<string, OrtOutput> Run(InferenceSession session, params (string Name, Array Data, long[] Shape)[] inputs)
    {
        var values = new Dictionary<string, OrtValue>();
        try
        {
            foreach (var (name, data, shape) in inputs)
                values[name] = data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    _ => throw new ArgumentException($"Unsupported input type {data.GetType()}"),
                };
            using var runOptions = new RunOptions();
            var outputNames = session.OutputMetadata.Keys.ToArray();
            using var results = session.Run(runOptions, values, outputNames);
            var outputs = new Dictionary<string, OrtOutput>();
            for (int i = 0; i < outputNames.Length; i++)
                outputs[outputNames[i]] = new OrtOutput(results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
            return outputs;
        }
        finally
        {
            foreach (var v in values.Values) v.Dispose();
        }
    }
}
