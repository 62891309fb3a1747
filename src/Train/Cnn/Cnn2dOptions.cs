using Mmcs.Core;
using Mmcs.Featurize;
using Mmcs.Train.Models;

namespace Mmcs.Train.Cnn;

/// <summary>What follows the convolutional blocks.</summary>
public enum Cnn2dHead
{
    /// <summary>Flatten the last feature maps into the dense layers (the original study).</summary>
    Flatten,

    /// <summary>Average each feature map over frequency and time first: far fewer weights, and the same model
    /// reads any clip length.</summary>
    GlobalAveragePooling,
}

/// <summary>
/// The shape of the 2D CNN: blocks of Conv2D 3x3 (same padding, ReLU) → MaxPool → BatchNorm, then dense layers
/// with ReLU, dropout and an L2 penalty, then one output per class. <see cref="Original"/> gives the original
/// study's per-input presets.
/// </summary>
public sealed record Cnn2dArchitecture
{
    /// <summary>Filters of each convolutional block (one block per entry).</summary>
    public IReadOnlyList<int> Filters { get; init; } = [8, 8, 16];

    /// <summary>Max-pool window (and stride) of every block, rows (frequency) × columns (time).</summary>
    public int PoolRows { get; init; } = 2;

    public int PoolCols { get; init; } = 3;

    /// <summary>Units of each dense layer.</summary>
    public IReadOnlyList<int> Dense { get; init; } = [64, 32];

    /// <summary>Dropout after each dense layer.</summary>
    public double Dropout { get; init; } = 0.2;

    public Cnn2dHead Head { get; init; } = Cnn2dHead.Flatten;

    /// <summary>The original study's preset for an input: MFCC 8/8/16 pool 2x3; spectrogram 5/8/16 pool 3x3;
    /// mel 8/8/16 pool 2x3.</summary>
    public static Cnn2dArchitecture Original(ImageKind kind) => kind switch
    {
        ImageKind.Mfcc => new Cnn2dArchitecture { Filters = [8, 8, 16], PoolRows = 2, PoolCols = 3 },
        ImageKind.Spectrogram => new Cnn2dArchitecture { Filters = [5, 8, 16], PoolRows = 3, PoolCols = 3 },
        ImageKind.Mel => new Cnn2dArchitecture { Filters = [8, 8, 16], PoolRows = 2, PoolCols = 3 },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The size of the last block's feature maps for an input size (each pool floors, like Keras' valid pooling).</summary>
    public (int Rows, int Cols) OutputMapSize(ImageSize input)
    {
        int rows = input.Rows, cols = input.Cols;
        for (int b = 0; b < Filters.Count; b++)
        {
            rows /= PoolRows;
            cols /= PoolCols;
        }
        return (rows, cols);
    }

    /// <summary>Throws when the architecture is invalid or cannot read images of <paramref name="input"/>.</summary>
    public void Validate(ImageSize input)
    {
        if (Filters.Count == 0 || Filters.Any(f => f <= 0))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"filters must be positive, got [{string.Join(", ", Filters)}]");
        if (Dense.Any(d => d <= 0))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"dense units must be positive, got [{string.Join(", ", Dense)}]");
        if (PoolRows < 1 || PoolCols < 1)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"pool size {PoolRows}x{PoolCols} must be at least 1x1");
        if (!(Dropout >= 0 && Dropout < 1))
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"dropout must be in [0, 1), got {Invariant.Format(Dropout)}");
        var (rows, cols) = OutputMapSize(input);
        if (rows < 1 || cols < 1)
        {
            int minRows = (int)Math.Pow(PoolRows, Filters.Count), minCols = (int)Math.Pow(PoolCols, Filters.Count);
            throw new MmcsException(ErrorCodes.InvalidParameterValue,
                $"{input.Rows}x{input.Cols} images are too small for {Filters.Count} blocks pooling {PoolRows}x{PoolCols}: " +
                $"they need at least {minRows}x{minCols}");
        }
    }
}

/// <summary>How the learning rate changes over epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant (the original study).</summary>
    Constant,

    /// <summary>Cosine annealing from the initial rate towards zero over <see cref="Cnn2dTrainingOptions.MaxEpochs"/>.</summary>
    Cosine,

    /// <summary>Divided by 10 on the (<see cref="Cnn2dTrainingOptions.PlateauPatience"/> + 1)-th epoch in a row without a better
    /// validation loss.</summary>
    ReduceOnPlateau,
}

/// <summary>SpecAugment-style masking of training images: bands of rows (frequency) and of columns (time) set to
/// the mean (zero after normalisation). Applied afresh to every training image in every epoch.</summary>
/// <param name="FrequencyMasks">Bands of rows masked per image.</param>
/// <param name="MaxFrequencyFraction">Widest row band as a fraction of the rows.</param>
/// <param name="TimeMasks">Bands of columns masked per image.</param>
/// <param name="MaxTimeFraction">Widest column band as a fraction of the columns.</param>
public sealed record SpecAugmentOptions(int FrequencyMasks = 2, double MaxFrequencyFraction = 0.15, int TimeMasks = 2,
    double MaxTimeFraction = 0.15);

/// <summary>
/// How a 2D CNN is trained. Defaults follow the original study where it said (Adam at 1e-4, constant rate) and
/// add what it lacked (early stopping on a grouped validation split with the best epoch restored, training-only
/// normalisation, seeds).
/// </summary>
public sealed record Cnn2dTrainingOptions
{
    public double LearningRate { get; init; } = 1e-4;

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Epochs without a better validation loss before <see cref="LearningRateSchedule.ReduceOnPlateau"/> cuts the rate.</summary>
    public int PlateauPatience { get; init; } = 3;

    public int BatchSize { get; init; } = 32;

    public int MaxEpochs { get; init; } = 50;

    /// <summary>Epochs without a validation loss better by <see cref="MinDelta"/> before training stops (0: never stops early).</summary>
    public int Patience { get; init; } = 8;

    public double MinDelta { get; init; }

    /// <summary>L2 penalty on the dense layers' weights, added to the loss as λ·Σw² (Keras' kernel_regularizer=l2(λ)).</summary>
    public double L2 { get; init; } = 1e-3;

    public NormalizationMode Normalization { get; init; } = NormalizationMode.PerRow;

    /// <summary>SpecAugment masking of training images (null: none).</summary>
    public SpecAugmentOptions? SpecAugment { get; init; }

    /// <summary>Mixup's Beta(α, α) parameter (0: no mixup).</summary>
    public double MixupAlpha { get; init; }

    public int Seed { get; init; }

    /// <summary>libtorch intra-op threads (null: every core).</summary>
    public int? Threads { get; init; }

    /// <summary>Batches read ahead of the one being trained on.</summary>
    public int PrefetchBatches { get; init; } = 2;

    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new MmcsException(ErrorCodes.InvalidParameterValue, message);
        }
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be positive, got {Invariant.Format(LearningRate)}");
        Require(BatchSize >= 2, $"batch size must be at least 2 (batch normalisation), got {BatchSize}");
        Require(MaxEpochs >= 1, $"epochs must be at least 1, got {MaxEpochs}");
        Require(Patience >= 0, $"patience must not be negative, got {Patience}");
        Require(PlateauPatience >= 0, $"plateau patience must not be negative, got {PlateauPatience}");
        Require(MinDelta >= 0, $"min delta must not be negative, got {Invariant.Format(MinDelta)}");
        Require(L2 >= 0 && double.IsFinite(L2), $"L2 must not be negative, got {Invariant.Format(L2)}");
        Require(MixupAlpha >= 0 && double.IsFinite(MixupAlpha), $"mixup alpha must not be negative, got {Invariant.Format(MixupAlpha)}");
        Require(Threads is null or >= 1, $"threads must be at least 1, got {Threads}");
        Require(PrefetchBatches >= 1, $"prefetch must be at least 1 batch, got {PrefetchBatches}");
        if (SpecAugment is { } s)
        {
            Require(s.FrequencyMasks >= 0 && s.TimeMasks >= 0, "SpecAugment mask counts must not be negative");
            Require(s.MaxFrequencyFraction is >= 0 and <= 1 && s.MaxTimeFraction is >= 0 and <= 1,
                "SpecAugment mask widths must be fractions in [0, 1]");
        }
    }
}

/// <summary>A named choice of architecture and training options (one candidate of an option search).</summary>
public sealed record Cnn2dVariant(string Name, Cnn2dArchitecture Architecture, Cnn2dTrainingOptions Training);
