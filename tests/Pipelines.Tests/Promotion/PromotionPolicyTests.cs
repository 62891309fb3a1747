using Mmcs.Pipelines.Promotion;

namespace Mmcs.Pipelines.Tests.Promotion;

public class PromotionPolicyTests
{
    [Fact]
    public void A_better_challenger_is_promoted()
    {
        var d = PromotionPolicy.Decide("macro_f1", 0.71, 0.65, 0.02);
        Assert.True(d.Promote);
        Assert.Contains("beats champion 0.6500", d.Reason);
    }

    [Fact]
    public void A_worse_challenger_is_not_promoted()
    {
        var d = PromotionPolicy.Decide("macro_f1", 0.60, 0.65, 0.0);
        Assert.False(d.Promote);
        Assert.Equal(0.65, d.ChampionScore);
    }

    [Fact]
    public void A_challenger_better_by_less_than_the_margin_is_not_promoted()
    {
        var shortOf = PromotionPolicy.Decide("accuracy", 0.66, 0.65, 0.02);
        Assert.False(shortOf.Promote);
        Assert.Equal("challenger accuracy 0.6600 does not beat champion 0.6500 by at least 0.02", shortOf.Reason);
        Assert.True(PromotionPolicy.Decide("accuracy", 0.67, 0.65, 0.02).Promote);
    }

    [Fact]
    public void An_equal_challenger_does_not_replace_the_champion_even_with_no_margin()
    {
        var tie = PromotionPolicy.Decide("accuracy", 0.65, 0.65, 0.0);
        Assert.False(tie.Promote);
        Assert.Equal("challenger accuracy 0.6500 does not beat champion 0.6500", tie.Reason); // not "by 0"
    }

    [Fact]
    public void With_no_champion_the_challenger_is_promoted_and_a_nan_score_never_is()
    {
        Assert.True(PromotionPolicy.Decide("accuracy", 0.3, null, 0.05).Promote);
        Assert.False(PromotionPolicy.Decide("accuracy", double.NaN, null, 0.0).Promote);
    }
}
