using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mmcs.Train.Torch;

/// <summary>
/// Batch normalisation computing what torch.nn.BatchNorm1d / BatchNorm2d compute (affine, running statistics with
/// momentum 0.1, ε 1e-5, the same parameters and buffers: weight, bias, running_mean, running_var,
/// num_batches_tracked, so weights saved from TorchSharp's modules load into it and back), with the one Scalar its
/// forward needs held for the module's lifetime. TorchSharp's own BatchNorm.forward counts batches with
/// <c>num_batches_tracked.add_(1)</c>, which makes two temporary Scalars; once their handles are passed the
/// finalizer can free them while libtorch reads them, which failed a demo's CNN training with "For integral input
/// tensors, argument alpha must not be a floating point number" (the hazard <see cref="StableAdam"/> removed from
/// the optimiser).
/// </summary>
public sealed class StableBatchNorm : TorchSharp.Modules.BatchNorm
{
    private readonly int _spatialDims;
    private readonly Scalar _one = 1L.ToScalar();

    /// <param name="features">Channels (C of [N, C] or [N, C, L] for 1D, [N, C, H, W] for 2D).</param>
    /// <param name="spatialDims">1 for BatchNorm1d's inputs, 2 for BatchNorm2d's.</param>
    public StableBatchNorm(long features, int spatialDims, double eps = 1e-5, double momentum = 0.1)
        : base(features, eps, momentum, affine: true, track_running_stats: true, device: null, dtype: null,
            name: spatialDims == 2 ? "BatchNorm2d" : "BatchNorm1d")
    {
        if (spatialDims is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(spatialDims), spatialDims, "1 or 2");
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "at least one feature");
        _spatialDims = spatialDims;
    }

    /// <summary>A BatchNorm1d: input [N, C] or [N, C, L].</summary>
    public static StableBatchNorm OneD(long features) => new(features, 1);

    /// <summary>A BatchNorm2d: input [N, C, H, W].</summary>
    public static StableBatchNorm TwoD(long features) => new(features, 2);

    protected override void ValidateInputDimensions(Tensor input)
    {
        bool ok = _spatialDims == 1 ? input.Dimensions is 2 or 3 : input.Dimensions == 4;
        if (!ok)
            throw new ArgumentException(_spatialDims == 1
                ? $"BatchNorm1d expects a 2D or 3D input, got {input.Dimensions}D"
                : $"BatchNorm2d expects a 4D input, got {input.Dimensions}D");
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        var runningMean = running_mean ?? throw new InvalidOperationException("batch norm without running mean");
        var runningVar = running_var ?? throw new InvalidOperationException("batch norm without running variance");
        double factor = momentum ?? 0;
        if (training && num_batches_tracked is { } batches)
        {
            using (no_grad()) batches.add_(_one, _one);
            // momentum null: a cumulative moving average, as torch computes it
            if (momentum is null) factor = 1.0 / batches.item<long>();
        }
        return F.batch_norm(input, runningMean, runningVar, weight, bias, training, factor, eps);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _one.Dispose();
        base.Dispose(disposing);
    }
}
