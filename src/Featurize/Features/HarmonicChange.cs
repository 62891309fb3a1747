namespace Mmcs.Featurize.Features;

/// <summary>
/// The harmonic change detection function (Harte, Sandler and Gasser 2006) over tonal centroids: per frame, the
/// Euclidean distance between the tonnetz vectors of the next and the previous frame; the first and last frames
/// repeat their neighbours' values. Peaks mark chord changes; its mean says how often harmony moves. Output [1 × frames].
/// </summary>
public static class HarmonicChange
{
    public static FeatureMatrix FromTonnetz(FeatureMatrix tonnetz)
    {
        ArgumentNullException.ThrowIfNull(tonnetz);
        FeatureGuards.RequireRows(tonnetz, 6, "harmonic change", "a tonnetz");
        int frames = tonnetz.Cols;
        var result = new float[frames];
        if (frames < 3) return new FeatureMatrix(1, frames, result);
        for (int t = 1; t < frames - 1; t++)
        {
            double sum = 0;
            for (int d = 0; d < 6; d++)
            {
                double diff = tonnetz[d, t + 1] - tonnetz[d, t - 1];
                sum += diff * diff;
            }
            result[t] = (float)Math.Sqrt(sum);
        }
        result[0] = result[1];
        result[frames - 1] = result[frames - 2];
        return new FeatureMatrix(1, frames, result);
    }
}
