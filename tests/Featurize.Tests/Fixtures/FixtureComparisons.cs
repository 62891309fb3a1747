using Mmcs.Featurize.FeatureSets;

namespace Mmcs.Featurize.Tests.Fixtures;

/// <summary>Compares a computed [rows × frames] feature with librosa's array, means and variances.</summary>
internal static class FixtureComparisons
{
    public static void ArrayMeanVar(string clip, string feature, FeatureMatrix actual, double tolerance) =>
        ArrayMeanVar(clip, feature, actual, tolerance, tolerance);

    public static void ArrayMeanVar(string clip, string feature, FeatureMatrix actual, double tolerance, double meanVarTolerance)
    {
        var expected = LibrosaFixtures.Array(clip, feature);
        int rows = expected.Shape.Length == 2 ? expected.Shape[0] : 1;
        int cols = expected.Shape[^1];
        Xunit.Assert.Equal(rows, actual.Rows);
        Xunit.Assert.Equal(cols, actual.Cols);
        Close.Assert($"{clip} {feature}", expected.ToDoubles(), actual.Data, tolerance);
        MeanVar(clip, feature, actual, meanVarTolerance);
    }

    public static void MeanVar(string clip, string feature, FeatureMatrix actual, double tolerance)
    {
        Close.Assert($"{clip} {feature}_mean", LibrosaFixtures.Array(clip, feature + "_mean").ToDoubles(), RowStatistics.Mean(actual), tolerance);
        Close.Assert($"{clip} {feature}_var", LibrosaFixtures.Array(clip, feature + "_var").ToDoubles(), RowStatistics.Variance(actual), tolerance);
    }
}
