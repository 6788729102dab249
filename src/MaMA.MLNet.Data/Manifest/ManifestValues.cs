using System.Globalization;

namespace MaMA.MLNet.Data.Manifest;

/// <summary>
/// Parses and formats the coded manifest values, accepting the spellings real sources use and normalising
/// them: laterality L/R/B, density 1-4 or A-D, BI-RADS 0-6 or the EMBED letters A/N/B/P/S/M/K, reason,
/// split, cancer 0/1. Each parser returns false for a value it does not know; empty text is "unknown" and
/// is handled by the caller.
/// </summary>
public static class ManifestValues
{
    /// <summary>The EMBED assessment letters in BI-RADS order: A=0, N=1, B=2, P=3, S=4, M=5, K=6.</summary>
    public const string BiRadsLetters = "ANBPSMK";

    /// <summary>L, R, B or left/right/bilateral/both, any case.</summary>
    public static bool TryParseLaterality(string text, out Laterality value)
    {
        switch (text.Trim().ToUpperInvariant())
        {
            case "L": case "LEFT": value = Laterality.Left; return true;
            case "R": case "RIGHT": value = Laterality.Right; return true;
            case "B": case "BILATERAL": case "BOTH": value = Laterality.Bilateral; return true;
            default: value = default; return false;
        }
    }

    /// <summary>The one-letter code written to manifests.</summary>
    public static string Format(Laterality value) => value switch
    {
        Laterality.Left => "L",
        Laterality.Right => "R",
        _ => "B",
    };

    /// <summary>Density 1-4 or A-D (any case); also "1.0"-style numbers as pandas writes them.</summary>
    public static bool TryParseDensity(string text, out int value)
    {
        string t = text.Trim();
        if (t.Length == 1 && char.ToUpperInvariant(t[0]) is >= 'A' and <= 'D')
        {
            value = char.ToUpperInvariant(t[0]) - 'A' + 1;
            return true;
        }
        return TryParseWholeNumber(t, 1, 4, out value);
    }

    /// <summary>The density letter A-D for a density 1-4.</summary>
    public static char DensityLetter(int density) =>
        density is >= 1 and <= 4 ? (char)('A' + density - 1) : throw new ArgumentOutOfRangeException(nameof(density), density, "Density must be 1-4.");

    /// <summary>BI-RADS 0-6, or an EMBED assessment letter A/N/B/P/S/M/K (any case).</summary>
    public static bool TryParseBiRads(string text, out int value)
    {
        string t = text.Trim();
        if (t.Length == 1 && char.IsLetter(t[0]))
        {
            value = BiRadsLetters.IndexOf(char.ToUpperInvariant(t[0]));
            return value >= 0;
        }
        return TryParseWholeNumber(t, 0, 6, out value);
    }

    /// <summary>The EMBED assessment letter for a BI-RADS category 0-6.</summary>
    public static char BiRadsLetter(int biRads) =>
        biRads is >= 0 and <= 6 ? BiRadsLetters[biRads] : throw new ArgumentOutOfRangeException(nameof(biRads), biRads, "BI-RADS must be 0-6.");

    /// <summary>"screening" or "diagnostic" (any case).</summary>
    public static bool TryParseReason(string text, out ExamReason value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "screening": value = ExamReason.Screening; return true;
            case "diagnostic": value = ExamReason.Diagnostic; return true;
            default: value = default; return false;
        }
    }

    /// <summary>The word the caption and manifest use: "screening" or "diagnostic".</summary>
    public static string Format(ExamReason value) => value == ExamReason.Screening ? "screening" : "diagnostic";

    /// <summary>
    /// The reference code's rule for a procedure description: "screening" when it contains "screen",
    /// otherwise "diagnostic" when it contains "diag", otherwise unknown.
    /// </summary>
    public static ExamReason? ReasonFromProcedure(string? procedure)
    {
        if (string.IsNullOrEmpty(procedure)) return null;
        if (procedure.Contains("screen", StringComparison.OrdinalIgnoreCase)) return ExamReason.Screening;
        if (procedure.Contains("diag", StringComparison.OrdinalIgnoreCase)) return ExamReason.Diagnostic;
        return null;
    }

    /// <summary>train, val/valid/validation, test (any case).</summary>
    public static bool TryParseSplit(string text, out DatasetSplit value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "train": value = DatasetSplit.Train; return true;
            case "val": case "valid": case "validation": value = DatasetSplit.Validation; return true;
            case "test": value = DatasetSplit.Test; return true;
            default: value = default; return false;
        }
    }

    /// <summary>The word written to manifests: train, val, test.</summary>
    public static string Format(DatasetSplit value) => value switch
    {
        DatasetSplit.Train => "train",
        DatasetSplit.Validation => "val",
        _ => "test",
    };

    /// <summary>0/1, true/false, yes/no (any case).</summary>
    public static bool TryParseCancer(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "1": case "1.0": case "true": case "yes": value = true; return true;
            case "0": case "0.0": case "false": case "no": value = false; return true;
            default: value = default; return false;
        }
    }

    /// <summary>A whole number of years, 0-150; "61.0" as pandas writes floats is accepted.</summary>
    public static bool TryParseAge(string text, out int value) => TryParseWholeNumber(text.Trim(), 0, 150, out value);

    /// <summary>A view position normalised to upper case without spaces.</summary>
    public static string NormaliseView(string text) => text.Trim().Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>Parses an integer (or a float with no fraction) in [min, max].</summary>
    internal static bool TryParseWholeNumber(string text, int min, int max, out int value)
    {
        value = 0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return false;
        if (d != Math.Floor(d) || d < min || d > max) return false;
        value = (int)d;
        return true;
    }
}
