namespace MaMA.MLNet.Components;

/// <summary>A row of the data given to the pretraining estimator holds a value it cannot use: names the row, the column and the problem.</summary>
public sealed class PretrainingDataException : Exception
{
    /// <summary>Creates the exception; the message is composed from the location and the problem.</summary>
    /// <param name="row">The 0-based row of the input data view.</param>
    /// <param name="column">The column at fault.</param>
    /// <param name="problem">What is wrong.</param>
    public PretrainingDataException(long row, string column, string problem)
        : base($"row {row}, column '{column}': {problem}")
    {
        Row = row;
        Column = column;
        Problem = problem;
    }

    /// <summary>The 0-based row of the input data view.</summary>
    public long Row { get; }

    /// <summary>The column at fault.</summary>
    public string Column { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}
