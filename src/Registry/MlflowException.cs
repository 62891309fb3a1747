using Mmcs.Core;

namespace Mmcs.Registry;

/// <summary>A tracking or registry error with MLflow's error code (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, …).</summary>
public class MlflowException : MmcsException
{
    public MlflowException(string errorCode, string message, Exception? innerException = null)
        : base(errorCode, message, innerException)
    {
    }

    public static MlflowException NotFound(string message) => new(ErrorCodes.ResourceDoesNotExist, message);

    public static MlflowException Invalid(string message) => new(ErrorCodes.InvalidParameterValue, message);

    public static MlflowException AlreadyExists(string message) => new(ErrorCodes.ResourceAlreadyExists, message);
}
