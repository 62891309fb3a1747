using Mmcs.Core;

namespace Mmcs.Train.Tabular.Search;

/// <summary>
/// One searchable hyperparameter. Every parameter maps the unit interval [0, 1] onto its values (and back), so a
/// tuner works in the unit hypercube whatever the mix of floats, integers and choices, as ML.NET AutoML's search
/// spaces do. <see cref="Default"/> is the low-cost starting point a cost-frugal search begins from.
/// </summary>
public abstract record Parameter(string Name)
{
    /// <summary>The value at a point of the unit interval.</summary>
    public abstract object Decode(double unit);

    /// <summary>A point of the unit interval that decodes to <paramref name="value"/>.</summary>
    public abstract double Encode(object value);

    /// <summary>The starting value (cheap to evaluate).</summary>
    public abstract object DefaultValue { get; }

    internal abstract void Validate();
}

/// <summary>A real number in [Min, Max], uniform or on a log scale.</summary>
public sealed record FloatParameter(string Name, double Min, double Max, double Default, bool Log = false) : Parameter(Name)
{
    public override object DefaultValue => Default;

    public override object Decode(double unit)
    {
        unit = Math.Clamp(unit, 0, 1);
        double v = Log ? Math.Exp(Math.Log(Min) + unit * (Math.Log(Max) - Math.Log(Min))) : Min + unit * (Max - Min);
        // Six significant digits: what is logged is exactly what was trained.
        return Math.Clamp(double.Parse(v.ToString("G6", Invariant.Culture), Invariant.Culture), Min, Max);
    }

    public override double Encode(object value)
    {
        double v = Convert.ToDouble(value, Invariant.Culture);
        if (Max == Min) return 0.5;
        return Math.Clamp(Log ? (Math.Log(v) - Math.Log(Min)) / (Math.Log(Max) - Math.Log(Min)) : (v - Min) / (Max - Min), 0, 1);
    }

    internal override void Validate()
    {
        if (!(Min <= Max) || !double.IsFinite(Min) || !double.IsFinite(Max) || (Log && Min <= 0) || !double.IsFinite(Default) || Default < Min || Default > Max)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"search parameter '{Name}': invalid range [{Min}, {Max}] or default {Default}");
    }
}

/// <summary>An integer in [Min, Max], uniform or on a log scale.</summary>
public sealed record IntParameter(string Name, int Min, int Max, int Default, bool Log = false) : Parameter(Name)
{
    public override object DefaultValue => Default;

    public override object Decode(double unit)
    {
        unit = Math.Clamp(unit, 0, 1);
        // Stretch by half a step at each end so that every integer owns an equal share of the interval.
        double lo = Min - 0.4999, hi = Max + 0.4999;
        double v = Log
            ? Math.Exp(Math.Log(Min - 0.4999 + 1) + unit * (Math.Log(Max + 0.4999 + 1) - Math.Log(Min - 0.4999 + 1))) - 1
            : lo + unit * (hi - lo);
        return Math.Clamp((int)Math.Round(v, MidpointRounding.AwayFromZero), Min, Max);
    }

    public override double Encode(object value)
    {
        double v = Convert.ToDouble(value, Invariant.Culture);
        if (Max == Min) return 0.5;
        double u = Log
            ? (Math.Log(v + 1) - Math.Log(Min - 0.4999 + 1)) / (Math.Log(Max + 0.4999 + 1) - Math.Log(Min - 0.4999 + 1))
            : (v - (Min - 0.4999)) / (Max - Min + 0.9998);
        return Math.Clamp(u, 0, 1);
    }

    internal override void Validate()
    {
        if (Min > Max || (Log && Min < 0) || Default < Min || Default > Max)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"search parameter '{Name}': invalid range [{Min}, {Max}] or default {Default}");
    }
}

/// <summary>One of a few named options (unordered).</summary>
public sealed record ChoiceParameter(string Name, IReadOnlyList<string> Choices, string Default) : Parameter(Name)
{
    public override object DefaultValue => Default;

    public override object Decode(double unit)
    {
        int i = Math.Min(Choices.Count - 1, (int)Math.Floor(Math.Clamp(unit, 0, 1) * Choices.Count));
        return Choices[i];
    }

    public override double Encode(object value)
    {
        int i = Choices.ToList().IndexOf((string)value);
        if (i < 0) throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{value}' is not a choice of '{Name}'");
        return (i + 0.5) / Choices.Count;
    }

    internal override void Validate()
    {
        if (Choices.Count == 0 || !Choices.Contains(Default) || Choices.Distinct().Count() != Choices.Count)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"search parameter '{Name}': bad choices or default '{Default}'");
    }
}

/// <summary>
/// A named search space (one trainer's, in a pipeline search): its parameters, as data. A point of the unit
/// hypercube [0, 1]^Dimensions decodes to a <see cref="Configuration"/>.
/// </summary>
public sealed class SearchSpace
{
    public SearchSpace(string name, IReadOnlyList<Parameter> parameters)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new MmcsException(ErrorCodes.InvalidParameterValue, "a search space needs a name");
        foreach (var p in parameters) p.Validate();
        var duplicate = parameters.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"search space '{name}' has two parameters named '{duplicate.Key}'");
        Name = name;
        Parameters = parameters.ToArray();
    }

    public string Name { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public int Dimensions => Parameters.Count;

    public Configuration Decode(IReadOnlyList<double> point)
    {
        if (point.Count != Dimensions) throw new ArgumentException($"{point.Count} coordinates for {Dimensions} dimensions");
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        for (int i = 0; i < Dimensions; i++) values[Parameters[i].Name] = Parameters[i].Decode(point[i]);
        return new Configuration(Name, values);
    }

    public double[] Encode(Configuration configuration) =>
        Parameters.Select(p => p.Encode(configuration.Values[p.Name])).ToArray();

    /// <summary>The low-cost starting point (every parameter at its default).</summary>
    public double[] DefaultPoint() => Parameters.Select(p => p.Encode(p.DefaultValue)).ToArray();

    public Configuration DefaultConfiguration() => Decode(DefaultPoint());

    /// <summary>
    /// The same space starting elsewhere: the named parameters' defaults replaced by <paramref name="values"/> (text, in the
    /// invariant culture), so that a cost-frugal search's first trial is that configuration. An unknown name, a value that
    /// does not parse or one outside its range is refused, naming it.
    /// </summary>
    public SearchSpace WithDefaults(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var byName = Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var key in values.Keys)
        {
            if (!byName.ContainsKey(key))
                throw new MmcsException(ErrorCodes.InvalidParameterValue,
                    $"'{Name}' has no parameter '{key}' (it has {string.Join(", ", Parameters.Select(p => p.Name))})");
        }
        var replaced = Parameters.Select(p =>
        {
            if (!values.TryGetValue(p.Name, out var text)) return p;
            string Outside(double min, double max) =>
                $"'{Name}': {text} is outside [{Invariant.Format(min)}, {Invariant.Format(max)}], the range of parameter '{p.Name}'";
            try
            {
                switch (p)
                {
                    case FloatParameter f:
                        double d = double.Parse(text, System.Globalization.NumberStyles.Float, Invariant.Culture);
                        if (!double.IsFinite(d) || d < f.Min || d > f.Max) throw new MmcsException(ErrorCodes.InvalidParameterValue, Outside(f.Min, f.Max));
                        return f with { Default = d };
                    case IntParameter i:
                        int n = int.Parse(text, System.Globalization.NumberStyles.Integer, Invariant.Culture);
                        if (n < i.Min || n > i.Max) throw new MmcsException(ErrorCodes.InvalidParameterValue, Outside(i.Min, i.Max));
                        return i with { Default = n };
                    case ChoiceParameter c:
                        if (!c.Choices.Contains(text))
                            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{Name}': '{text}' is not one of {string.Join(", ", c.Choices)}, the choices of parameter '{p.Name}'");
                        return c with { Default = text };
                    default:
                        throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{Name}': parameter '{p.Name}' cannot start elsewhere");
                }
            }
            catch (FormatException)
            {
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{Name}': '{text}' is not a value of parameter '{p.Name}'");
            }
            catch (OverflowException)
            {
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"'{Name}': '{text}' is out of range for parameter '{p.Name}'");
            }
        }).ToArray();
        return new SearchSpace(Name, replaced);
    }
}

/// <summary>
/// A trainer's starting configuration written as text, "trainer:key=value:key=value" (e.g.
/// "lightgbm:iterations=200:leaves=15"): the trainer's defaults with those values replaced.
/// </summary>
public sealed record StartingPoint(string Trainer, IReadOnlyDictionary<string, string> Values)
{
    public static StartingPoint Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(':');
        if (parts[0].Length == 0 || parts.Length < 2)
            throw new MmcsException(ErrorCodes.InvalidParameterValue, $"starting point '{spec}': expected trainer:key=value[:key=value...]");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2 || kv[0].Length == 0 || kv[1].Length == 0)
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"starting point '{spec}': '{part}' is not key=value");
            if (!values.TryAdd(kv[0], kv[1]))
                throw new MmcsException(ErrorCodes.InvalidParameterValue, $"starting point '{spec}': '{kv[0]}' is given twice");
        }
        return new StartingPoint(parts[0], values);
    }

    public override string ToString() => Trainer + string.Concat(Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $":{kv.Key}={kv.Value}"));
}

/// <summary>Values of a search space's parameters (double, int or string), with typed getters.</summary>
public sealed class Configuration
{
    public Configuration(string space, IReadOnlyDictionary<string, object> values)
    {
        Space = space;
        Values = new SortedDictionary<string, object>(values.ToDictionary(), StringComparer.Ordinal);
        Key = space + "{" + string.Join(",", Values.Select(kv => kv.Key + "=" + Format(kv.Value))) + "}";
    }

    /// <summary>The search space (trainer) the values belong to.</summary>
    public string Space { get; }

    public IReadOnlyDictionary<string, object> Values { get; }

    /// <summary>A canonical text of the space and values: equal configurations have equal keys.</summary>
    public string Key { get; }

    public double GetDouble(string name) => Convert.ToDouble(Get(name), Invariant.Culture);

    public int GetInt(string name) => Convert.ToInt32(Get(name), Invariant.Culture);

    public string GetString(string name) => Convert.ToString(Get(name), Invariant.Culture)!;

    public bool Has(string name) => Values.ContainsKey(name);

    /// <summary>Every value as invariant text (for logging as run params).</summary>
    public IReadOnlyDictionary<string, string> ToStrings() => Values.ToDictionary(kv => kv.Key, kv => Format(kv.Value), StringComparer.Ordinal);

    public override string ToString() => Key;

    private object Get(string name) => Values.TryGetValue(name, out var v)
        ? v
        : throw new MmcsException(ErrorCodes.InvalidParameterValue, $"configuration of '{Space}' has no parameter '{name}'");

    internal static string Format(object value) => value switch
    {
        double d => d.ToString("G6", Invariant.Culture),
        float f => ((double)f).ToString("G6", Invariant.Culture),
        int i => i.ToString(Invariant.Culture),
        _ => Convert.ToString(value, Invariant.Culture) ?? "",
    };
}
