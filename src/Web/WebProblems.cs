using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Mmcs.Core;
using Mmcs.Featurize.Audio;

namespace Mmcs.Web;

/// <summary>Error codes of the web layer (in problem details as <c>error_code</c>, next to the libraries' codes).</summary>
public static class WebErrorCodes
{
    public const string UploadTooLarge = "UPLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string BadRequest = "BAD_REQUEST";
    public const string TooManyRequests = "TOO_MANY_REQUESTS";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string PermissionDenied = "PERMISSION_DENIED";
}

/// <summary>An error the web layer raises on purpose, with its HTTP status and extra response headers.</summary>
public sealed class WebProblemException : MmcsException
{
    public WebProblemException(int status, string title, string detail, string errorCode, IReadOnlyDictionary<string, string>? headers = null)
        : base(errorCode, detail)
    {
        Status = status;
        Title = title;
        Headers = headers ?? new Dictionary<string, string>();
    }

    public int Status { get; }
    public string Title { get; }
    public IReadOnlyDictionary<string, string> Headers { get; }
    public override int HttpStatus => Status;
}

/// <summary>
/// Writes every error as RFC 7807 problem details (<c>application/problem+json</c>): status, title, a detail a person
/// can act on and <c>error_code</c>; never a stack trace. Unexpected exceptions are logged on the server and answered
/// with a generic 500.
/// </summary>
internal static class WebProblems
{
    public static IResult Result(int status, string title, string detail, string errorCode) =>
        Results.Problem(detail: detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["error_code"] = errorCode });

    /// <summary>Status, title, detail and code for an exception.</summary>
    public static (int Status, string Title, string Detail, string Code) Describe(Exception e) => e switch
    {
        WebProblemException w => (w.Status, w.Title, w.Message, w.ErrorCode),
        AudioDecodeException or AudioInvalidException or ClipTooShortException =>
            (StatusCodes.Status422UnprocessableEntity, "The audio could not be analysed", ((MmcsException)e).Message, ((MmcsException)e).ErrorCode),
        MissingDependencyException m => (StatusCodes.Status503ServiceUnavailable, "A program the server needs is missing", m.Message, m.ErrorCode),
        MmcsException m => (m.HttpStatus, TitleFor(m.HttpStatus), m.Message, m.ErrorCode),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (413, "Upload too large", "The request body is larger than this server accepts.", WebErrorCodes.UploadTooLarge),
        BadHttpRequestException b => (b.StatusCode, TitleFor(b.StatusCode), b.Message, WebErrorCodes.BadRequest),
        InvalidDataException d => (400, "Malformed request", $"The multipart body could not be read: {d.Message}", WebErrorCodes.BadRequest),
        _ => (500, "Unexpected error", "The server could not complete the request; the error was logged on the server.", ErrorCodes.InternalError),
    };

    public static string TitleFor(int status) => status switch
    {
        400 => "Invalid request",
        401 => "Authentication required",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Upload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => status >= 500 ? "Server error" : "Request failed",
    };
}

/// <summary>The exception handler behind <see cref="WebProblems"/>.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = 499; // the client went away; nobody reads the answer
            return true;
        }
        var (status, title, detail, code) = WebProblems.Describe(exception);
        if (status >= 500 && exception is not MmcsException) log.LogError(exception, "Unexpected error on {Method} {Path}", context.Request.Method, context.Request.Path);
        else log.LogInformation("{Method} {Path}: {Status} {Code}: {Detail}", context.Request.Method, context.Request.Path, status, code, detail);
        context.Response.StatusCode = status;
        if (exception is WebProblemException w)
            foreach (var (k, v) in w.Headers) context.Response.Headers[k] = v;
        var details = new ProblemDetails { Status = status, Title = title, Detail = detail };
        details.Extensions["error_code"] = code;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = null });
    }
}
