using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Training;

/// <summary>What a validation callback gets.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Module">The model, in evaluation mode, with gradients off.</param>
/// <param name="Device">The training device.</param>
public sealed record ValidationContext(long Step, nn.Module Module, Device Device);

/// <summary>
/// Evaluates the model and returns named metrics (logged, and one of them may select the best checkpoint). Runs on
/// the training thread inside a dispose scope, under <c>torch.no_grad()</c>, with the module in evaluation mode.
/// </summary>
public delegate IReadOnlyDictionary<string, double> ValidationCallback(ValidationContext context);
