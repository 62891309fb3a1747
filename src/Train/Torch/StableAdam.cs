using Mmcs.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Mmcs.Train.Torch;

/// <summary>
/// Adam, or AdamW with decoupled weight decay, computing what torch.optim.Adam / AdamW compute (β 0.9 / 0.999, ε 1e-8,
/// bias-corrected moments; AdamW first scales the weights by 1 − lr·wd), with every Scalar an explicit object held
/// through its native call. TorchSharp's own optimisers pass numbers such as ε as temporary Scalars; under GC
/// pressure the finalizer can free one while libtorch still reads it, which crashed CNN training twice with
/// "Unknown scalar type" (in add_ with a Scalar, from the optimiser's step) or "Expected false to be true".
/// </summary>
public sealed class StableAdam : IDisposable
{
    private readonly TorchSharp.Modules.Parameter[] _parameters;
    private readonly Tensor?[] _m;
    private readonly Tensor?[] _v;
    private readonly double _beta1, _beta2, _eps;
    private readonly int[] _steps; // per parameter, from its first gradient, as torch counts them

    public StableAdam(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate, double weightDecay = 0,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"Adam: learning rate must be > 0, got {learningRate}");
        if (!(weightDecay >= 0) || !double.IsFinite(weightDecay)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"Adam: weight decay must be >= 0, got {weightDecay}");
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"Adam: betas must lie in [0, 1), got {beta1}, {beta2}");
        if (!(eps > 0) || !double.IsFinite(eps)) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"Adam: eps must be > 0, got {eps}");
        _parameters = parameters.ToArray();
        _steps = new int[_parameters.Length];
        _m = new Tensor?[_parameters.Length];
        _v = new Tensor?[_parameters.Length];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
    }

    public double LearningRate { get; set; }

    public double WeightDecay { get; }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in _parameters) p.grad?.zero_();
    }

    /// <summary>One update from the current gradients (parameters without a gradient are left alone).</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var beta1 = _beta1.ToScalar();
        using var oneMinusBeta1 = (1 - _beta1).ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var decay = (1 - LearningRate * WeightDecay).ToScalar();
        using var eps = _eps.ToScalar();
        using var one = 1.0.ToScalar(); // add_(eps) alone would pass a temporary alpha of 1
        for (int i = 0; i < _parameters.Length; i++)
        {
            using var scope = NewDisposeScope();
            var p = _parameters[i];
            var g = p.grad;
            if (g is null) continue;
            if (_m[i] is null)
            {
                _m[i] = zeros_like(p).DetachFromDisposeScope();
                _v[i] = zeros_like(p).DetachFromDisposeScope();
            }
            int step = ++_steps[i];
            double correction1 = 1 - Math.Pow(_beta1, step), correction2 = 1 - Math.Pow(_beta2, step);
            using var rootCorrection2 = (1 / Math.Sqrt(correction2)).ToScalar();
            using var stepSize = (-LearningRate / correction1).ToScalar();
            var m = _m[i]!;
            var v = _v[i]!;
            if (WeightDecay > 0) p.mul_(decay);
            m.mul_(beta1).add_(g, oneMinusBeta1);
            v.mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            var denominator = v.sqrt().mul_(rootCorrection2).add_(eps, one);
            p.addcdiv_(m, denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var t in _m) t?.Dispose();
        foreach (var t in _v) t?.Dispose();
    }
}
