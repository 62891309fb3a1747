namespace Mmcs.Featurize.Features;

/// <summary>The best-matching triad of every chroma frame: index 0–11 major (root C … B), 12–23 minor, −1 silent.</summary>
public sealed record TriadSequence(int[] Chords, float[] Fit)
{
    /// <summary>Fraction of the non-silent frames whose triad is major (0.5 when every frame is silent).</summary>
    public double MajorRatio
    {
        get
        {
            int major = 0, sounding = 0;
            foreach (int c in Chords)
            {
                if (c < 0) continue;
                sounding++;
                if (c < 12) major++;
            }
            return sounding > 0 ? (double)major / sounding : 0.5;
        }
    }

    /// <summary>Changes of triad per second between consecutive non-silent frames.</summary>
    public double ChangesPerSecond(double frameRate)
    {
        int changes = 0, last = -1;
        foreach (int c in Chords)
        {
            if (c < 0) continue;
            if (last >= 0 && c != last) changes++;
            last = c;
        }
        return Chords.Length > 0 ? changes * frameRate / Chords.Length : 0;
    }
}

/// <summary>
/// Triad recognition by template matching: each chroma frame is compared (cosine similarity) with the 24 binary
/// major and minor triad templates; the best wins (ties: the lower index). The similarity of the winner says how
/// triadic the frame sounds. Frames with an all-zero chroma are silent.
/// </summary>
public static class TriadChords
{
    public static TriadSequence FromChroma(FeatureMatrix chroma)
    {
        ArgumentNullException.ThrowIfNull(chroma);
        FeatureGuards.RequireRows(chroma, 12, "triad recognition", "a chromagram");
        int frames = chroma.Cols;
        var chords = new int[frames];
        var fit = new float[frames];
        var col = new double[12];
        double templateNorm = Math.Sqrt(3);
        for (int t = 0; t < frames; t++)
        {
            double norm = 0;
            for (int c = 0; c < 12; c++)
            {
                col[c] = chroma[c, t];
                norm += col[c] * col[c];
            }
            if (!(norm > 0))
            {
                chords[t] = -1;
                continue;
            }
            norm = Math.Sqrt(norm) * templateNorm;
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int k = 0; k < 24; k++)
            {
                int root = k % 12, third = root + (k < 12 ? 4 : 3);
                double score = (col[root] + col[third % 12] + col[(root + 7) % 12]) / norm;
                if (score > bestScore)
                {
                    bestScore = score;
                    best = k;
                }
            }
            chords[t] = best;
            fit[t] = (float)bestScore;
        }
        return new TriadSequence(chords, fit);
    }
}
