using Mmcs.Core;

namespace Mmcs.Featurize.Features;

/// <summary>Feature extraction options that cannot work (e.g. a hop of 0, more mel bands than FFT bins).</summary>
public sealed class FeatureOptionsException : MmcsException
{
    public FeatureOptionsException(string message)
        : base(ErrorCodes.InvalidParameterValue, message)
    {
    }
}

/// <summary>Audio or an intermediate array that a feature cannot be computed from (wrong rate, non-finite samples, wrong shape).</summary>
public sealed class FeatureInputException : MmcsException
{
    public FeatureInputException(string message)
        : base(ErrorCodes.AudioInvalid, message)
    {
    }
}
