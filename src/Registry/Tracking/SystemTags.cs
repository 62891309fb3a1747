namespace Mmcs.Registry.Tracking;

/// <summary>The tag keys MLflow itself sets and reads, plus MMCS's own.</summary>
public static class SystemTags
{
    public const string RunName = "mlflow.runName";
    public const string ParentRunId = "mlflow.parentRunId";
    public const string SourceName = "mlflow.source.name";
    public const string SourceType = "mlflow.source.type";
    public const string User = "mlflow.user";
    public const string GitCommit = "mlflow.source.git.commit";
    public const string LoggedModels = "mlflow.log-model.history";
    public const string Error = "mmcs.error";
}
