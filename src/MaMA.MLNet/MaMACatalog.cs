using MaMA.MLNet.Imaging;
using Microsoft.ML;

namespace MaMA.MLNet;

/// <summary>The MaMA entry points on <see cref="MLContext"/>'s catalogs.</summary>
public static class MaMACatalog
{
    /// <summary>
    /// Reads mammograms (DICOM, PNG, JPEG, TIFF, PGM; the format is sniffed) from a column of file paths or file
    /// bytes and adds the model-ready image (Single vector [3, ImageSize, ImageSize]), a read-error column and
    /// header columns.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Name of the image column to add.</param>
    /// <param name="inputColumnName">Name of the text (path) or Byte vector (contents) column.</param>
    /// <param name="options">Everything else; the column names given here override those in the options.</param>
    public static LoadMammogramsEstimator LoadMammograms(this TransformsCatalog catalog, string outputColumnName = "Image",
        string inputColumnName = "Path", LoadMammogramsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        LoadMammogramsOptions copy = options?.Clone() ?? new LoadMammogramsOptions();
        copy.OutputColumnName = outputColumnName;
        copy.InputColumnName = inputColumnName;
        return new LoadMammogramsEstimator(copy);
    }
}
