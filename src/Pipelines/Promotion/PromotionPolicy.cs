using Mmcs.Core;

namespace Mmcs.Pipelines.Promotion;

/// <summary>The outcome of comparing a challenger with the champion.</summary>
/// <param name="Promote">Whether the challenger becomes champion.</param>
/// <param name="Reason">One sentence, logged with the run.</param>
/// <param name="Metric">The metric compared (e.g. macro_f1).</param>
/// <param name="ChallengerScore">The challenger's score on the evaluation.</param>
/// <param name="ChampionScore">The champion's score on the same evaluation, or null when there is no champion.</param>
/// <param name="Margin">How much better the challenger had to be.</param>
public sealed record PromotionDecision(bool Promote, string Reason, string Metric, double ChallengerScore,
    double? ChampionScore, double Margin);

/// <summary>
/// Champion / challenger: a new model version is promoted only if it beats the current champion on the same
/// evaluation by at least the margin; with no champion (or one that cannot be evaluated), it is promoted.
/// </summary>
public static class PromotionPolicy
{
    public static PromotionDecision Decide(string metric, double challengerScore, double? championScore, double margin)
    {
        if (!double.IsFinite(challengerScore))
            return new PromotionDecision(false, $"the challenger's {metric} is not a number", metric, challengerScore,
                championScore, margin);
        if (margin < 0)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"promotion margin must not be negative, got {margin}");
        string c = challengerScore.ToString("F4", Invariant.Culture);
        if (championScore is not { } champion || !double.IsFinite(champion))
            return new PromotionDecision(true, $"no champion to beat; challenger {metric} {c}", metric, challengerScore,
                championScore, margin);
        string p = champion.ToString("F4", Invariant.Culture);
        // with a margin of 0 a challenger must simply score higher ("by 0" would say nothing)
        string by = margin > 0 ? $" by at least {margin.ToString("G4", Invariant.Culture)}" : "";
        // A small tolerance so that "equal within rounding" never counts as beating by a margin of 0.
        bool beats = challengerScore - champion >= margin && challengerScore - champion > 1e-12;
        return beats
            ? new PromotionDecision(true, $"challenger {metric} {c} beats champion {p}{by}", metric,
                challengerScore, champion, margin)
            : new PromotionDecision(false, $"challenger {metric} {c} does not beat champion {p}{by}", metric,
                challengerScore, champion, margin);
    }
}
