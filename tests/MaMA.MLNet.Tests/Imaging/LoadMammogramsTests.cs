using MaMA.MLNet.Imaging;
using MaMA.MLNet.Imaging.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace MaMA.MLNet.Tests.Imaging;

[TestClass]
public sealed class LoadMammogramsTests
{
    private static string _folder = "";
    private static string[] _paths = [];

    public sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    public sealed class BytesRow
    {
        [VectorType]
        public byte[] Bytes { get; set; } = [];
    }

    public sealed class Output
    {
        public string Path { get; set; } = "";
        [VectorType(3, 14, 14)]
        public float[] Image { get; set; } = [];
        public string ReadError { get; set; } = "";
        [ColumnName("Header.Rows")]
        public float Rows { get; set; }
        [ColumnName("Header.Laterality")]
        public string Laterality { get; set; } = "";
    }

    [ClassInitialize]
    public static void WriteFolder(TestContext _)
    {
        _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mama-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var paths = new List<string>();
        // Three uniform PNGs of different gray levels and sizes; Otsu finds no foreground in a constant image,
        // so the whole image is kept and every output pixel is that gray level.
        foreach ((byte gray, int w, int h) in new[] { ((byte)0, 20, 30), ((byte)255, 40, 20), ((byte)51, 28, 28) })
        {
            string path = System.IO.Path.Combine(_folder, $"gray{gray}.png");
            using var image = new Image<L8>(w, h, new L8(gray));
            image.SaveAsPng(path);
            paths.Add(path);
        }
        string broken = System.IO.Path.Combine(_folder, "broken.png");
        File.WriteAllBytes(broken, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]);
        paths.Insert(1, broken);
        _paths = [.. paths];
    }

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static LoadMammogramsOptions Options(BadFileHandling handling) => new()
    {
        BadFileHandling = handling,
        Preprocessing = new PreprocessingOptions { ImageSize = 14, LongSide = 0 },
    };

    [TestMethod]
    public void MarkAndContinue_ReadsGoodFiles_AndMarksTheBrokenOne()
    {
        var ml = new MLContext(seed: 1);
        IDataView input = ml.Data.LoadFromEnumerable(_paths.Select(p => new PathRow { Path = p }));
        IDataView output = ml.Transforms.LoadMammograms("Image", "Path", Options(BadFileHandling.MarkAndContinue)).Fit(input).Transform(input);

        List<Output> rows = ml.Data.CreateEnumerable<Output>(output, reuseRowObject: false).ToList();
        Assert.HasCount(4, rows);
        float[] expectedGray = [0f, float.NaN, 1f, 0.2f];
        for (int i = 0; i < 4; i++)
        {
            Assert.AreEqual(_paths[i], rows[i].Path);
            Assert.HasCount(3 * 14 * 14, rows[i].Image);
            if (i == 1)
            {
                StringAssert.Contains(rows[i].ReadError, "broken.png");
                Assert.IsTrue(rows[i].Image.All(v => v == 0));
                Assert.IsTrue(float.IsNaN(rows[i].Rows));
                continue;
            }
            Assert.AreEqual("", rows[i].ReadError);
            Assert.AreEqual("", rows[i].Laterality);
            // Normalised with mean 0.5, std 0.5: gray g becomes 2g - 1, in all three channels.
            foreach (float v in rows[i].Image) Assert.AreEqual(2 * expectedGray[i] - 1, v, 1e-5f);
        }
        Assert.AreEqual(30f, rows[0].Rows);
        Assert.AreEqual(20f, rows[2].Rows);
    }

    [TestMethod]
    public void Throw_StopsAtTheBrokenFile_AndNamesIt()
    {
        var ml = new MLContext(seed: 1);
        IDataView input = ml.Data.LoadFromEnumerable(_paths.Select(p => new PathRow { Path = p }));
        IDataView output = ml.Transforms.LoadMammograms("Image", "Path", Options(BadFileHandling.Throw)).Fit(input).Transform(input);
        Exception e = Assert.Throws<Exception>(() => ml.Data.CreateEnumerable<Output>(output, reuseRowObject: false).ToList());
        Exception? inner = e;
        while (inner is not null and not MammogramReadException) inner = inner.InnerException;
        Assert.IsNotNull(inner, e.ToString());
        StringAssert.Contains(inner.Message, "broken.png");
    }

    [TestMethod]
    public void Schema_HasTheImageShape_AndHeaderColumnsWithThePrefix()
    {
        var ml = new MLContext(seed: 1);
        IDataView input = ml.Data.LoadFromEnumerable(_paths.Select(p => new PathRow { Path = p }));
        LoadMammogramsOptions options = Options(BadFileHandling.MarkAndContinue);
        options.HeaderColumnPrefix = "Dicom_";
        DataViewSchema schema = ml.Transforms.LoadMammograms("Pixels", "Path", options).Fit(input).GetOutputSchema(input.Schema);
        var image = (VectorDataViewType)schema["Pixels"].Type;
        CollectionAssert.AreEqual(new[] { 3, 14, 14 }, image.Dimensions.ToArray());
        Assert.AreEqual(NumberDataViewType.Single, image.ItemType);
        Assert.AreEqual(TextDataViewType.Instance, schema["Dicom_PatientId"].Type);
        Assert.AreEqual(NumberDataViewType.Single, schema["Dicom_PatientAge"].Type);
        Assert.AreEqual(TextDataViewType.Instance, schema["ReadError"].Type);
    }

    [TestMethod]
    public void EstimatorOutputShape_ListsTheAddedColumns_AndRejectsAWrongInputType()
    {
        var ml = new MLContext(seed: 1);
        IDataView paths = ml.Data.LoadFromEnumerable(_paths.Select(p => new PathRow { Path = p }));
        LoadMammogramsEstimator estimator = ml.Transforms.LoadMammograms("Image", "Path", Options(BadFileHandling.MarkAndContinue));
        // Chaining through ML.NET's own estimator checks our shape against the next estimator's needs.
        var chain = estimator.Append(ml.Transforms.CopyColumns("ImageCopy", "Image"));
        SchemaShape shape = chain.GetOutputSchema(Shape(paths.Schema));
        Assert.IsTrue(shape.Any(c => c.Name == "ImageCopy" && c.ItemType == NumberDataViewType.Single));
        Assert.IsTrue(shape.Any(c => c.Name == "Header.View"));

        IDataView numbers = ml.Data.LoadFromEnumerable(new[] { new { Path = 3f } });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(numbers));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(ml.Data.LoadFromEnumerable(new[] { new BytesRow() })));
    }

    [TestMethod]
    public void BytesColumn_IsReadLikeAFile()
    {
        var ml = new MLContext(seed: 1);
        IDataView input = ml.Data.LoadFromEnumerable(new[]
        {
            new BytesRow { Bytes = File.ReadAllBytes(_paths[2]) },
            new BytesRow { Bytes = [1, 2, 3] },
        });
        IDataView output = ml.Transforms.LoadMammograms("Image", "Bytes", Options(BadFileHandling.MarkAndContinue)).Fit(input).Transform(input);
        float[][] images = output.GetColumn<float[]>("Image").ToArray();
        string[] errors = output.GetColumn<string>("ReadError").ToArray();
        Assert.AreEqual("", errors[0]);
        Assert.AreEqual(1f, images[0][0], 1e-5f);
        StringAssert.Contains(errors[1], "row 1");
        StringAssert.Contains(errors[1], "unknown image format");
    }

    [TestMethod]
    public void PredictionEngine_UsesTheRowMapper()
    {
        var ml = new MLContext(seed: 1);
        IDataView input = ml.Data.LoadFromEnumerable(_paths.Select(p => new PathRow { Path = p }));
        var model = ml.Transforms.LoadMammograms("Image", "Path", Options(BadFileHandling.MarkAndContinue)).Fit(input);
        var engine = ml.Model.CreatePredictionEngine<PathRow, Output>(model);
        Output result = engine.Predict(new PathRow { Path = _paths[3] });
        Assert.AreEqual("", result.ReadError);
        Assert.AreEqual(2 * 0.2f - 1, result.Image[100], 1e-5f);
    }

    // ML.NET keeps SchemaShape.Create internal; the test builds the input shape with it through reflection.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [schema])!;
}
