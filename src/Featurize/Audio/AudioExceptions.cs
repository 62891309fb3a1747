using Mmcs.Core;

namespace Mmcs.Featurize.Audio;

/// <summary>
/// A file that is not usable audio: empty, not a WAV/audio file at all, no samples, a single sample, only
/// silence, NaN or infinite samples, or too short for the excerpt. Error code AUDIO_INVALID.
/// </summary>
public sealed class AudioInvalidException : MmcsException
{
    public AudioInvalidException(string source, string problem, Exception? inner = null)
        : base(ErrorCodes.AudioInvalid, $"{source}: {problem}", inner)
    {
        AudioSource = source;
        Problem = problem;
    }

    /// <summary>The file (or description) the audio came from.</summary>
    public string AudioSource { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}

/// <summary>
/// A file that could not be decoded: corrupt or truncated headers, an unsupported encoding, the decoder
/// failing or timing out. Error code AUDIO_DECODE_FAILED. The message carries the decoder's own words
/// (e.g. ffmpeg's stderr) when there are any.
/// </summary>
public sealed class AudioDecodeException : MmcsException
{
    public AudioDecodeException(string source, string problem, Exception? inner = null)
        : base(ErrorCodes.AudioDecodeFailed, $"{source}: {problem}", inner)
    {
        AudioSource = source;
        Problem = problem;
    }

    /// <summary>The file the decoder was given.</summary>
    public string AudioSource { get; }

    /// <summary>What went wrong, without the file name.</summary>
    public string Problem { get; }
}

/// <summary>An external program the operation needs (ffmpeg, ffprobe) is not installed or cannot start.
/// Error code MISSING_DEPENDENCY.</summary>
public sealed class MissingDependencyException : MmcsException
{
    public MissingDependencyException(string dependency, string message, Exception? inner = null)
        : base(ErrorCodes.MissingDependency, message, inner)
    {
        Dependency = dependency;
    }

    /// <summary>The program that is missing, e.g. "ffmpeg".</summary>
    public string Dependency { get; }
}

/// <summary>An audio file that does not exist. Error code RESOURCE_DOES_NOT_EXIST.</summary>
public sealed class AudioFileNotFoundException : MmcsException
{
    public AudioFileNotFoundException(string path)
        : base(ErrorCodes.ResourceDoesNotExist, $"{path}: no such audio file")
    {
        AudioSource = path;
    }

    public string AudioSource { get; }
}
