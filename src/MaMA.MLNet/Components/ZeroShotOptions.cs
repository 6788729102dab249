using MaMA.MLNet.Data.Captions;

namespace MaMA.MLNet.Components;

/// <summary>A class for zero-shot classification: its name (the key value of PredictedLabel) and one or more prompts.</summary>
public sealed class ZeroShotClass
{
    /// <summary>The class name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Prompts describing the class; their embeddings are averaged (prompt ensembling).</summary>
    public List<string> Prompts { get; set; } = [];
}

/// <summary>Options of <c>mlContext.MulticlassClassification.Trainers.MaMAZeroShot</c> (and its binary form).</summary>
public sealed class ZeroShotOptions : MaMAModelOptions
{
    /// <summary>The model-ready image column.</summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>
    /// An embedding column to score instead of the image column: the L2-normalised image embedding that
    /// <c>MaMAImageEmbedding</c> of the same model wrote (a Single vector of the model's embedding size), so a
    /// pipeline that keeps the embedding runs the image encoder once. Empty (the default): encode the image column.
    /// </summary>
    public string EmbeddingColumnName { get; set; } = "";

    /// <summary>The column the stage reads: <see cref="EmbeddingColumnName"/> when set, else <see cref="ImageColumnName"/>.</summary>
    internal string InputColumnName => string.IsNullOrWhiteSpace(EmbeddingColumnName) ? ImageColumnName : EmbeddingColumnName;

    /// <summary>A built-in prompt set (density, BI-RADS, cancer); used when <see cref="Classes"/> is empty.</summary>
    public ZeroShotTask? Task { get; set; }

    /// <summary>Custom classes, in class order (the order of Score's slots and PredictedLabel's keys).</summary>
    public List<ZeroShotClass> Classes { get; set; } = [];

    /// <summary>
    /// Binary output for two classes (the second is the positive one): Score (the logit difference, a Single),
    /// Probability (Single) and PredictedLabel (Boolean), as ML.NET's binary classifiers write them.
    /// </summary>
    public bool Binary { get; set; }

    /// <summary>The score column: class probabilities (multiclass) or the positive-class logit margin (binary).</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The predicted label column: a key over the class names (multiclass) or a Boolean (binary).</summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>The probability column (binary only).</summary>
    public string ProbabilityColumnName { get; set; } = "Probability";

    /// <summary>The classes to use: <see cref="Classes"/>, or the built-in prompts of <see cref="Task"/>.</summary>
    /// <exception cref="ArgumentException">Neither is given, a class has no prompt, or binary output is asked for with other than two classes.</exception>
    public IReadOnlyList<ZeroShotClass> ResolveClasses()
    {
        List<ZeroShotClass> classes;
        if (Classes.Count > 0) classes = Classes;
        else if (Task is { } task)
            classes = ZeroShotPrompts.ClassNames(task).Zip(ZeroShotPrompts.For(task), (n, p) => new ZeroShotClass { Name = n, Prompts = [p] }).ToList();
        else throw new ArgumentException("zero-shot classification needs a built-in task or custom classes", nameof(Classes));
        if (classes.Count < 2) throw new ArgumentException("zero-shot classification needs at least two classes", nameof(Classes));
        foreach (var c in classes)
        {
            if (string.IsNullOrWhiteSpace(c.Name)) throw new ArgumentException("every class needs a name", nameof(Classes));
            if (c.Prompts.Count == 0 || c.Prompts.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException($"class '{c.Name}' needs at least one non-empty prompt", nameof(Classes));
        }
        if (classes.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != classes.Count)
            throw new ArgumentException("class names must be distinct", nameof(Classes));
        if (Binary && classes.Count != 2) throw new ArgumentException($"binary output needs exactly two classes, not {classes.Count}", nameof(Binary));
        return classes;
    }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        ResolveClasses();
    }

    internal ZeroShotOptions Clone()
    {
        var copy = (ZeroShotOptions)MemberwiseClone();
        copy.Classes = Classes.Select(c => new ZeroShotClass { Name = c.Name, Prompts = [.. c.Prompts] }).ToList();
        return copy;
    }
}
