using Mmcs.Registry.Rest;
using Mmcs.Registry.Tests.Rest;

namespace Mmcs.Registry.Tests.Contract;

/// <summary>The store contract against the REST store talking to a fake MLflow server that serves artifacts (mlflow-artifacts:/).</summary>
public sealed class RestStoreContractTests : TrackingStoreContract
{
    private readonly FakeMlflowServer _server;
    private readonly RestStore _store;

    public RestStoreContractTests()
    {
        _server = new FakeMlflowServer(Temp.Path, serveArtifacts: true);
        _store = new RestStore(_server.Uri, new RestCredentials(), options: new RestStoreOptions { BaseDelay = TimeSpan.FromMilliseconds(5) });
    }

    protected override ITrackingStore Store => _store;

    public override void Dispose()
    {
        _store.Dispose();
        _server.Dispose();
        base.Dispose();
    }
}

/// <summary>The store contract against a fake MLflow server without --serve-artifacts: file:// artifact locations used directly.</summary>
public sealed class RestStoreLocalArtifactsContractTests : TrackingStoreContract
{
    private readonly FakeMlflowServer _server;
    private readonly RestStore _store;

    public RestStoreLocalArtifactsContractTests()
    {
        _server = new FakeMlflowServer(Temp.Path, serveArtifacts: false);
        _store = new RestStore(_server.Uri, new RestCredentials(), options: new RestStoreOptions { BaseDelay = TimeSpan.FromMilliseconds(5) });
    }

    protected override ITrackingStore Store => _store;

    public override void Dispose()
    {
        _store.Dispose();
        _server.Dispose();
        base.Dispose();
    }
}
