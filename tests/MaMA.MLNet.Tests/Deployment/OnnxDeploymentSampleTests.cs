using MaMA.MLNet.Modeling;
using MaMA.MLNet.Modeling.MaMA;
using MaMA.MLNet.Onnx;
using MaMA.MLNet.Onnx.Graph;
using MaMA.MLNet.Samples.OnnxDeployment;
using static TorchSharp.torch;

namespace MaMA.MLNet.Tests.Deployment;

/// <summary>The ONNX deployment sample, run on a tiny image encoder exported into a temp folder.</summary>
[TestClass]
public sealed class OnnxDeploymentSampleTests
{
    [TestMethod]
    public void SampleEmbeddingsEqualTheTorchSharpModel()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mama-sample-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            TorchRuntime.Seed(5);
            using var model = new MaMAModel(MaMAConfig.Tiny);
            model.eval();
            string path = Path.Combine(folder, "image.onnx");
            OnnxModelFile.Save(MaMAModelOnnxExporter.ExportImageEncoder(model, 42), path);

            using var log = new StringWriter();
            var result = OnnxDeploymentSample.Run(path, log, count: 3);
            Assert.AreEqual(42, result.ImageSize);
            Assert.AreEqual("embedding", result.OutputName);
            StringAssert.Contains(log.ToString(), "cosine similarity");

            using var scope = NewDisposeScope();
            var pixels = tensor(result.Pixels.SelectMany(p => p).ToArray(), [3, 3, 42, 42]);
            using var encoding = model.EncodeImages(pixels);
            var expected = encoding.Embedding.data<float>().ToArray();
            var actual = result.Outputs.SelectMany(o => o).ToArray();
            Assert.HasCount(expected.Length, actual);
            double max = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.IsLessThan(1e-4, max);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SampleDependsOnNeitherTorchSharpNorMaMA()
    {
        var references = typeof(OnnxDeploymentSample).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.IsTrue(references.Any(n => n.StartsWith("Microsoft.ML", StringComparison.Ordinal)));
        Assert.IsFalse(references.Any(n => n.StartsWith("TorchSharp", StringComparison.Ordinal) || n.StartsWith("MaMA.MLNet", StringComparison.Ordinal)),
            string.Join(", ", references));
        var project = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryRoot(), "samples", "OnnxDeployment", "OnnxDeployment.csproj"));
        Assert.IsFalse(project.Descendants("ProjectReference").Any(), "the sample must not reference MaMA projects");
        var packages = project.Descendants("PackageReference").Select(p => (string?)p.Attribute("Include") ?? "").ToList();
        CollectionAssert.AreEquivalent(new[] { "Microsoft.ML", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime" }, packages);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found above the test output.");
    }
}
