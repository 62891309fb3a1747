using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Mmcs.Web;

/// <summary>An upload saved under a random name in the upload folder; disposing it deletes the file.</summary>
public sealed class SavedUpload : IDisposable
{
    internal SavedUpload(string path, string displayName, long length)
    {
        Path = path;
        DisplayName = displayName;
        Length = length;
    }

    /// <summary>Where the bytes are (a random name; never derived from the client's file name).</summary>
    public string Path { get; }

    /// <summary>The client's file name, reduced to a harmless label for messages and answers.</summary>
    public string DisplayName { get; }

    public long Length { get; }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // still open elsewhere (e.g. a decoder being killed); the folder is removed at shutdown
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// Streams the multipart field <c>file</c> of a request to a file of random name in the upload folder, counting bytes
/// against the limit as they arrive (so an oversized upload is refused without being buffered in memory).
/// </summary>
internal static class UploadReceiver
{
    public const string FieldName = "file";

    /// <summary>Room for the multipart boundaries and headers around the file.</summary>
    public const long MultipartOverhead = 64 * 1024;

    public static async Task<SavedUpload> ReceiveAsync(HttpRequest request, long maxBytes, string directory, CancellationToken ct)
    {
        try
        {
            return await ReceiveCoreAsync(request, maxBytes, directory, ct);
        }
        catch (IOException e) when (!ct.IsCancellationRequested && e is not FileNotFoundException && e.InnerException is not BadHttpRequestException
                                    && IsBodyError(e))
        {
            throw new WebProblemException(400, "Malformed request", $"The multipart body ended early or is malformed ({e.Message}).", WebErrorCodes.BadRequest);
        }
    }

    /// <summary>An IOException about the request body (not the disk).</summary>
    private static bool IsBodyError(IOException e) => e.Message.Contains("end of stream", StringComparison.OrdinalIgnoreCase)
                                                      || e.Message.Contains("multipart", StringComparison.OrdinalIgnoreCase);

    private static async Task<SavedUpload> ReceiveCoreAsync(HttpRequest request, long maxBytes, string directory, CancellationToken ct)
    {
        if (request.ContentLength is long declared && declared > maxBytes + MultipartOverhead) throw TooLarge(maxBytes);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new WebProblemException(415, "Unsupported media type",
                $"Send the audio as multipart/form-data with the file in a field named '{FieldName}' (got Content-Type '{request.ContentType ?? "none"}').",
                WebErrorCodes.UnsupportedMediaType);
        }
        string boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value ?? "";
        if (boundary.Length == 0 || boundary.Length > 200)
            throw new WebProblemException(400, "Malformed request", "The multipart/form-data Content-Type has no valid boundary.", WebErrorCodes.BadRequest);
        var reader = new MultipartReader(boundary, request.Body)
        {
            HeadersLengthLimit = 16 * 1024,
            BodyLengthLimit = maxBytes + MultipartOverhead,
        };
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(ct)) != null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition()
                || !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, FieldName, StringComparison.Ordinal))
            {
                continue; // other fields are skipped (the reader drains them)
            }
            string display = DisplayName(disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value);
            Directory.CreateDirectory(directory);
            string path = System.IO.Path.Combine(directory, "upload-" + Guid.NewGuid().ToString("N"));
            var upload = new SavedUpload(path, display, 0);
            long total = 0;
            try
            {
                await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 81920, FileOptions.Asynchronous))
                {
                    var buffer = new byte[81920];
                    int n;
                    while ((n = await section.Body.ReadAsync(buffer, ct)) > 0)
                    {
                        total += n;
                        if (total > maxBytes) throw TooLarge(maxBytes);
                        await file.WriteAsync(buffer.AsMemory(0, n), ct);
                    }
                }
            }
            catch
            {
                upload.Dispose();
                throw;
            }
            if (total == 0)
            {
                upload.Dispose();
                throw new WebProblemException(400, "Empty upload", $"The upload '{display}' is empty (0 bytes).", WebErrorCodes.BadRequest);
            }
            return new SavedUpload(path, display, total);
        }
        throw new WebProblemException(400, "No file", $"The form has no file field named '{FieldName}': send the audio as multipart/form-data field '{FieldName}'.",
            WebErrorCodes.BadRequest);
    }

    public static WebProblemException TooLarge(long maxBytes) =>
        new(413, "Upload too large", $"The upload is larger than this server's limit of {Megabytes(maxBytes)} (set with --max-upload-mb).",
            WebErrorCodes.UploadTooLarge);

    public static string Megabytes(long bytes) =>
        bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0
            ? $"{bytes / (1024 * 1024)} MB"
            : (bytes / (1024.0 * 1024)).ToString("0.###", Core.Invariant.Culture) + " MB";

    /// <summary>The client's file name as a label: its last path segment, printable characters only, at most 120 of them.</summary>
    public static string DisplayName(string? clientName)
    {
        if (string.IsNullOrWhiteSpace(clientName)) return "upload";
        string name = clientName.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..];
        var chars = name.Where(c => !char.IsControl(c) && c is not ('"' or '<' or '>')).Take(120).ToArray();
        string clean = new string(chars).Trim();
        return clean.Length == 0 || clean is "." or ".." ? "upload" : clean;
    }
}
