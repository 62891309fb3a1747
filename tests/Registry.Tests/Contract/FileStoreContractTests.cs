namespace Mmcs.Registry.Tests.Contract;

/// <summary>The store contract against the file store on a temporary mlruns folder.</summary>
public sealed class FileStoreContractTests : TrackingStoreContract
{
    private readonly Registry.FileStore.FileStore _store;

    public FileStoreContractTests() => _store = new Registry.FileStore.FileStore(Temp.File("mlruns"));

    protected override ITrackingStore Store => _store;
}
