using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling.Heads;

/// <summary>
/// The learnable logit scales, stored as logarithms (scalars): <c>logit_scale</c> for the global CLIP losses and
/// <c>local_scale</c> for the symmetric local alignment loss, both initialised to ln(1 / temperature) with
/// temperature 0.07. The losses multiply by exp(scale).
/// </summary>
public sealed class ContrastiveScales : nn.Module
{
    /// <summary>ln(1 / 0.07), the reference's initial value of both scales.</summary>
    public static readonly double DefaultInit = Math.Log(1 / 0.07);

    /// <summary>Creates both scales at ln(1 / <paramref name="temperature"/>).</summary>
    public ContrastiveScales(double temperature = 0.07) : base(nameof(ContrastiveScales))
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be positive.");
        logitScale = nn.Parameter(tensor(Math.Log(1 / temperature), ScalarType.Float32));
        localScale = nn.Parameter(tensor(Math.Log(1 / temperature), ScalarType.Float32));
        register_parameter("logit_scale", logitScale);
        register_parameter("local_scale", localScale);
    }

    // Named after their registered names so Module.to(device/dtype) replaces them along with the registration.
    [ComponentName(Name = "logit_scale")] private Parameter logitScale;
    [ComponentName(Name = "local_scale")] private Parameter localScale;

    /// <summary>Log of the global scale (a 0-dimensional tensor).</summary>
    public Parameter LogitScale => logitScale;

    /// <summary>Log of the local scale (a 0-dimensional tensor).</summary>
    public Parameter LocalScale => localScale;
}
