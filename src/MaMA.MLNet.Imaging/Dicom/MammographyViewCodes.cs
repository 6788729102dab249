namespace MaMA.MLNet.Imaging.Dicom;

/// <summary>
/// Mammography view names (ACR MQCM abbreviations) from View Position (0018,5101) and from the View Code
/// Sequence (0054,0220) of PS3.16 CID 4014: SNOMED-RT code values (R-...), SNOMED CT concept ids, or the code
/// meaning when the value is unknown.
/// </summary>
public static class MammographyViewCodes
{
    /// <summary>The views this reader names.</summary>
    public static IReadOnlySet<string> Views { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "CC", "MLO", "ML", "LM", "XCCL", "XCCM", "FB", "SIO", "ISO", "LMO", "AT", "CV", "RL", "RM", "TAN", "SPOT", "MAG",
    };

    private static readonly Dictionary<string, string> CodeValues = new(StringComparer.OrdinalIgnoreCase)
    {
        // SNOMED-RT (SRT) values of CID 4014, as most mammography units still write them. Only codes checked
        // against the standard are listed; other views are recognised by their code meaning.
        ["R-10242"] = "CC", ["R-10226"] = "MLO", ["R-10224"] = "ML", ["R-10230"] = "LM", ["R-1024A"] = "XCCL",
        ["R-1024B"] = "XCCM", ["R-10228"] = "LMO",
        // SNOMED CT (SCT) concept ids of the same views.
        ["399162004"] = "CC", ["399368009"] = "MLO", ["399260004"] = "ML", ["399352003"] = "LM", ["399192003"] = "XCCL",
        ["399101009"] = "XCCM", ["399099002"] = "LMO",
    };

    private static readonly Dictionary<string, (string Value, string Meaning)> SnomedCtCodes = new(StringComparer.Ordinal)
    {
        // CID 4014 in SNOMED CT form (the SRT values above were retired from the standard in 2019), with the
        // code meanings the standard gives them.
        ["CC"] = ("399162004", "cranio-caudal"), ["MLO"] = ("399368009", "medio-lateral oblique"),
        ["ML"] = ("399260004", "medio-lateral"), ["LM"] = ("399352003", "latero-medial"),
        ["XCCL"] = ("399192003", "cranio-caudal exaggerated laterally"), ["XCCM"] = ("399101009", "cranio-caudal exaggerated medially"),
        ["LMO"] = ("399099002", "latero-medial oblique"),
    };

    private static readonly (string Words, string View)[] Meanings =
    [
        // Longest first so "cranio-caudal exaggerated laterally" is not read as plain "cranio-caudal".
        ("craniocaudalexaggeratedlaterally", "XCCL"), ("craniocaudalexaggeratedmedially", "XCCM"),
        ("exaggeratedcraniocaudallaterally", "XCCL"), ("exaggeratedcraniocaudalmedially", "XCCM"),
        ("mediolateraloblique", "MLO"), ("lateromedialoblique", "LMO"), ("superolateraltoinferomedialoblique", "SIO"),
        ("inferomedialtosuperolateraloblique", "ISO"), ("craniocaudal", "CC"), ("caudocranial", "FB"), ("frombelow", "FB"),
        ("mediolateral", "ML"), ("lateromedial", "LM"), ("axillarytail", "AT"), ("cleavage", "CV"),
        ("rolledlateral", "RL"), ("rolledmedial", "RM"), ("tangential", "TAN"),
    ];

    /// <summary>
    /// The view named by a View Position value: the value itself when it is a known view, or the view after a
    /// leading L/R some units prepend ("LCC", "RMLO"); null otherwise.
    /// </summary>
    public static string? FromViewPosition(string? value, out Laterality impliedLaterality)
    {
        impliedLaterality = Laterality.Unknown;
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim().ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        if (Views.Contains(text)) return text;
        if (text.Length > 2 && text[0] is 'L' or 'R' && Views.Contains(text[1..]))
        {
            impliedLaterality = text[0] == 'L' ? Laterality.Left : Laterality.Right;
            return text[1..];
        }
        return null;
    }

    /// <summary>The view named by a code value or, failing that, its code meaning; null when neither names one.</summary>
    public static string? FromCode(string? codeValue, string? codeMeaning)
    {
        if (codeValue is not null && CodeValues.TryGetValue(codeValue.Trim(), out var view)) return view;
        if (codeMeaning is null) return null;
        var letters = new string(codeMeaning.Where(char.IsLetter).Select(char.ToLowerInvariant).ToArray());
        foreach (var (words, meaningView) in Meanings)
        {
            if (letters.Contains(words, StringComparison.Ordinal)) return meaningView;
        }
        return null;
    }

    /// <summary>
    /// The CID 4014 code of a view for the View Code Sequence: SNOMED CT value ("SCT" scheme) and code meaning;
    /// null for views this class has no checked code for.
    /// </summary>
    public static (string Value, string Scheme, string Meaning)? ToCode(string? view) =>
        view is not null && SnomedCtCodes.TryGetValue(view.Trim().ToUpperInvariant(), out var code) ? (code.Value, "SCT", code.Meaning) : null;
}
