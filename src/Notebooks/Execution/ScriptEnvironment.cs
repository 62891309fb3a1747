using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Mmcs.Notebooks.Execution;

/// <summary>
/// The assemblies notebooks compile against: everything the host application ships (the .NET runtime, the Mmcs.*
/// libraries, ScottPlot, MathNet.Numerics, ML.NET, …), i.e. the trusted platform assemblies of the process. So a
/// notebook just writes <c>using Mmcs.Featurize;</c>: no path to a build folder, no package restore.
/// </summary>
internal static class ScriptEnvironment
{
    private static readonly Lazy<(IReadOnlyList<MetadataReference> References, IReadOnlyDictionary<string, AssemblyName> ByName)> Shipped =
        new(Discover, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The namespaces every cell imports (as .NET Interactive does), plus the display API.</summary>
    public static readonly IReadOnlyList<string> DefaultImports =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text", "System.Threading",
        "System.Threading.Tasks", "Mmcs.Notebooks",
    ];

    /// <summary>Metadata references of every managed assembly the process ships.</summary>
    public static IReadOnlyList<MetadataReference> References => Shipped.Value.References;

    /// <summary>The names of the shipped assemblies by simple name (case-insensitive).</summary>
    public static IReadOnlyDictionary<string, AssemblyName> ByName => Shipped.Value.ByName;

    private static (IReadOnlyList<MetadataReference>, IReadOnlyDictionary<string, AssemblyName>) Discover()
    {
        var paths = ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .ToList();
        // Assemblies already loaded but not on the TPA list (e.g. loaded from a plugin folder).
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!loaded.IsDynamic && loaded.Location.Length > 0) paths.Add(loaded.Location);
        }
        var references = new List<MetadataReference>();
        var byName = new Dictionary<string, AssemblyName>(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            AssemblyName name;
            try
            {
                name = AssemblyName.GetAssemblyName(path);
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException)
            {
                continue; // not a managed assembly
            }
            if (name.Name is null || !seen.Add(name.Name)) continue;
            references.Add(MetadataReference.CreateFromFile(path));
            byName[name.Name] = name;
        }
        return (references, byName);
    }
}
