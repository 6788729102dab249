using TorchSharp;
using static TorchSharp.torch;

namespace MaMA.MLNet.Modeling;

/// <summary>
/// Activation recomputation (gradient checkpointing), which TorchSharp 0.107 does not ship: a block runs forward
/// without building its graph, keeping only its input; in the backward pass it runs again with gradients on, and
/// its gradients for the input and its trainable parameters are taken from that recomputed graph. Memory per block
/// drops from every intermediate activation to one input tensor, for about one extra forward pass of compute.
/// <para>
/// Built on TorchSharp's custom autograd function (<c>torch.autograd.SingleTensorFunction</c>), as PyTorch's
/// reentrant <c>torch.utils.checkpoint</c>: the trainable parameters are inputs of the function, so autograd
/// accumulates their gradients as usual. The CPU random-number state is saved before the forward and restored for the
/// recomputation (then put back), so dropout and stochastic depth draw the same masks and the gradients equal those
/// of the plain path. The CUDA generator's state is not reachable from TorchSharp 0.107: on CUDA, blocks with
/// dropout in training draw new masks in the recomputation (use it there with dropout off, or accept the noise).
/// </para>
/// </summary>
public static class ActivationRecomputation
{
    /// <summary>
    /// Runs <c>block(input, context)</c>, recomputed in backward when gradients are being recorded (plainly otherwise).
    /// </summary>
    /// <param name="block">The block's forward; it must be a pure function of its arguments, the parameters and the RNG.</param>
    /// <param name="input">The block input (activations).</param>
    /// <param name="context">An extra tensor the block reads without a gradient (an attention mask), kept for the recomputation; or null.</param>
    /// <param name="trainableParameters">The block's parameters that require a gradient.</param>
    public static Tensor Run(Func<Tensor, Tensor?, Tensor> block, Tensor input, Tensor? context, IReadOnlyList<Tensor> trainableParameters)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(trainableParameters);
        if (!is_grad_enabled() || (!input.requires_grad && trainableParameters.Count == 0)) return block(input, context);
        var args = new object?[3 + trainableParameters.Count];
        args[0] = new BlockState(block, trainableParameters, input.requires_grad, context is not null);
        args[1] = input;
        args[2] = context;
        for (int i = 0; i < trainableParameters.Count; i++) args[3 + i] = trainableParameters[i];
        return RecomputedBlock.apply(args!);
    }

    private sealed class BlockState(Func<Tensor, Tensor?, Tensor> block, IReadOnlyList<Tensor> parameters, bool inputNeedsGrad, bool hasContext)
    {
        public Func<Tensor, Tensor?, Tensor> Block { get; } = block;
        public IReadOnlyList<Tensor> Parameters { get; } = parameters;
        public int ParameterCount => Parameters.Count;
        public bool InputNeedsGrad { get; } = inputNeedsGrad;
        public bool HasContext { get; } = hasContext;
        public Tensor? RngState { get; set; }
    }

    private sealed class RecomputedBlock : autograd.SingleTensorFunction<RecomputedBlock>
    {
        public override string Name => nameof(RecomputedBlock);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var state = (BlockState)vars[0];
            var input = (Tensor)vars[1];
            var context = state.HasContext ? (Tensor)vars[2] : null;
            // Kept outside every dispose scope: the backward pass may run after the caller's scope has ended.
            state.RngState = get_rng_state().DetachFromDisposeScope();
            ctx.save_data("state", state);
            ctx.save_for_backward(context is null ? [input] : [input, context]);
            // The block's intermediates go at once, not when the caller's scope ends (a 2560-wide GPT-2 block widens
            // 300 MB of bfloat16 weights to float32 on each call; 32 of them held to the end of the forward were 10 GB).
            using var scope = NewDisposeScope();
            return state.Block(input, context).MoveToOuterDisposeScope();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var state = (BlockState)ctx.get_data("state");
            var saved = ctx.get_saved_variables();
            var input = saved[0];
            var context = state.HasContext ? saved[1] : null;
            // The parameters themselves (not saved copies): the recomputation runs through them.
            var parameters = state.Parameters;
            var grads = new List<Tensor>(3 + state.ParameterCount) { null!, null!, null! };
            using var scope = NewDisposeScope();
            using (enable_grad())
            {
                var x = input.detach().requires_grad_(state.InputNeedsGrad);
                var current = get_rng_state();
                set_rng_state(state.RngState!);
                Tensor output;
                try { output = state.Block(x, context); }
                finally { set_rng_state(current); }
                var wrt = (state.InputNeedsGrad ? [x] : Array.Empty<Tensor>()).Concat(parameters).ToList();
                var result = autograd.grad([output], wrt, [gradOutput], allow_unused: true);
                int k = 0;
                if (state.InputNeedsGrad) grads[1] = result[k++].MoveToOuterDisposeScope();
                for (int i = 0; i < state.ParameterCount; i++) grads.Add(result[k++]?.MoveToOuterDisposeScope()!);
            }
            state.RngState?.Dispose();
            state.RngState = null;
            return grads;
        }
    }
}
