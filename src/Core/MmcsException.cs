namespace Mmcs.Core;

/// <summary>
/// The root of every error MMCS raises on purpose. <see cref="ErrorCode"/> is a stable machine-readable
/// code (MLflow's codes for tracking errors, e.g. RESOURCE_DOES_NOT_EXIST); the CLI maps errors to an
/// exit code and a one-line message, the web to problem details.
/// </summary>
public class MmcsException : Exception
{
    public MmcsException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>A stable code such as INVALID_PARAMETER_VALUE or AUDIO_DECODE_FAILED.</summary>
    public string ErrorCode { get; }

    /// <summary>The process exit code the CLI uses for this error (2: bad input, 3: missing dependency, 1: other).</summary>
    public virtual int ExitCode => ErrorCodes.ExitCodeFor(ErrorCode);

    /// <summary>The HTTP status the web uses for this error.</summary>
    public virtual int HttpStatus => ErrorCodes.HttpStatusFor(ErrorCode);
}

/// <summary>Error codes shared across the libraries.</summary>
public static class ErrorCodes
{
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
    public const string InvalidState = "INVALID_STATE";
    public const string InternalError = "INTERNAL_ERROR";
    public const string AudioDecodeFailed = "AUDIO_DECODE_FAILED";
    public const string AudioInvalid = "AUDIO_INVALID";
    public const string MissingDependency = "MISSING_DEPENDENCY";
    public const string DataInvalid = "DATA_INVALID";
    public const string Cancelled = "CANCELLED";

    public static int ExitCodeFor(string code) => code switch
    {
        InvalidParameterValue or AudioDecodeFailed or AudioInvalid or DataInvalid or ResourceDoesNotExist
            or ResourceAlreadyExists => 2,
        MissingDependency => 3,
        Cancelled => 130,
        _ => 1,
    };

    public static int HttpStatusFor(string code) => code switch
    {
        InvalidParameterValue or AudioDecodeFailed or AudioInvalid or DataInvalid or ResourceAlreadyExists
            or InvalidState => 400,
        ResourceDoesNotExist => 404,
        MissingDependency => 503,
        _ => 500,
    };
}
