using Mmcs.Registry.Models;

namespace Mmcs.Registry.Tests.Models;

public class ResolvedModelIdentityTests
{
    [Fact]
    public void A_registered_version_is_identified_by_name_and_version_whatever_alias_named_it()
    {
        var r = new ResolvedModel("models:/mood@champion", "/store/1/abc/artifacts/model", "mood", "3", "abc");
        Assert.Equal("models:/mood/3", r.Identity);
    }

    [Fact]
    public void A_run_model_is_identified_by_its_runs_uri_and_a_folder_by_its_full_path()
    {
        Assert.Equal("runs:/abc/model", new ResolvedModel("runs:/abc/model", "/store/1/abc/artifacts/model", null, null, "abc").Identity);
        Assert.Equal("/models/mine", new ResolvedModel("mine", "/models/mine", null, null, null).Identity);
    }
}
