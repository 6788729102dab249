using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Phantom;
using MammogramReader = MaMA.MLNet.Imaging.MammogramReader;

namespace MaMA.MLNet.Data.Tests.Phantom;

[TestClass]
public sealed class PhantomTests
{
    private static readonly PhantomOptions Small = new() { Width = 96, Height = 120, Seed = 7 };
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "mama-phantom-tests");

    [TestMethod]
    public void SameSeed_GivesIdenticalPngBytes_OtherSeedDoesNot()
    {
        Directory.CreateDirectory(Folder);
        var writer = new PngMammogramImageWriter();
        string Write(PhantomOptions o, string name)
        {
            var study = new PhantomGenerator(o).Generate(3);
            string path = Path.Combine(Folder, name);
            writer.Write(path, study.Images[1].Frame, study.Study.Record(Laterality.Left, "MLO", path));
            return path;
        }
        byte[] a = File.ReadAllBytes(Write(Small, "a.png"));
        byte[] b = File.ReadAllBytes(Write(Small, "b.png"));
        byte[] c = File.ReadAllBytes(Write(Small with { Seed = 8 }, "c.png"));
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, c);
    }

    [TestMethod]
    public void WriteDataset_WritesImagesAndAManifestThatReadsBack()
    {
        string folder = Path.Combine(Folder, "set");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var generator = new PhantomGenerator(Small);
        var written = generator.WriteDataset(folder, 3);
        var read = MammogramManifestReader.Read(Path.Combine(folder, "manifest.csv"));
        Assert.HasCount(12, read.Records);
        CollectionAssert.AreEqual(written.ToArray(), read.Records.ToArray());
        CollectionAssert.AreEqual(new[] { "L", "L", "R", "R" }, read.Records.Take(4).Select(r => ManifestValues.Format(r.Laterality!.Value)).ToArray());
        CollectionAssert.AreEqual(new[] { "CC", "MLO", "CC", "MLO" }, read.Records.Take(4).Select(r => r.View).ToArray());
        StringAssert.Contains(File.ReadAllText(Path.Combine(folder, "manifest.csv")), "\nimages/S000001/L_CC.png,P000001,S000001,L,CC,2D,");

        // The PNG holds the stored values exactly.
        var frame = MammogramReader.Read(read.Records[5].ImagePath).Frame;
        CollectionAssert.AreEqual(generator.Generate(1).Images[1].Frame.StoredValues, frame.StoredValues);
        Assert.IsTrue(frame.StoredValues.Max() <= 4095);
    }

    [TestMethod]
    public void GlandularFraction_And_Brightness_RiseWithDensity()
    {
        var generator = new PhantomGenerator(Small);
        var fractions = new List<double>[5];
        var brightness = new List<double>[5];
        for (int d = 1; d <= 4; d++) { fractions[d] = []; brightness[d] = []; }
        for (int i = 0; i < 48; i++)
        {
            var s = generator.Generate(i);
            foreach (var image in s.Images.Where(im => im.View == "CC"))
            {
                fractions[s.Study.Density].Add(image.GlandularFraction);
                // Independent of the generator's bookkeeping: mean stored value of the breast (above the background).
                var inBreast = image.Frame.StoredValues.Where(v => v > 200).ToArray();
                brightness[s.Study.Density].Add(inBreast.Average());
            }
        }
        for (int d = 1; d <= 4; d++) Assert.IsGreaterThan(3, fractions[d].Count, $"density {d} drawn too rarely");
        for (int d = 1; d < 4; d++)
        {
            Assert.IsLessThan(fractions[d + 1].Min(), fractions[d].Max(), $"fraction bands of {d} and {d + 1} overlap");
            Assert.IsLessThan(brightness[d + 1].Average(), brightness[d].Average(), $"mean brightness of {d} vs {d + 1}");
        }
        Assert.IsLessThan(0.25, fractions[1].Max());
        Assert.IsGreaterThan(0.75, fractions[4].Min());
    }

    [TestMethod]
    public void Laterality_And_View_ShowInTheImage()
    {
        var generator = new PhantomGenerator(Small);
        for (int i = 0; i < 6; i++)
        {
            foreach (var image in generator.Generate(i).Images)
            {
                var f = image.Frame;
                double sum = 0, weighted = 0;
                for (int k = 0; k < f.StoredValues.Length; k++) { sum += f.StoredValues[k]; weighted += f.StoredValues[k] * (k % f.Width); }
                double centreX = weighted / sum;
                if (image.Side == Laterality.Left) Assert.IsLessThan(f.Width / 2.0, centreX, "left breast: chest wall on the left");
                else Assert.IsGreaterThan(f.Width / 2.0, centreX, "right breast: chest wall on the right");
                int corner = f.StoredValues[image.Side == Laterality.Left ? 0 : f.Width - 1];
                if (image.View == "MLO") Assert.IsGreaterThan(0.5 * 4095, corner, "pectoral muscle in the top chest-wall corner");
                else Assert.IsLessThan(50, corner, "CC: background in the top corner");
                int farCorner = f.StoredValues[image.Side == Laterality.Left ? f.Width - 1 : 0];
                Assert.IsLessThan(50, farCorner, "background away from the chest wall");
            }
        }
    }

    [TestMethod]
    public void Findings_AppearInBothViewsOfTheirSide_AtTheSameDepth()
    {
        int checkedFindings = 0;
        var with = new PhantomGenerator(Small);
        var without = new PhantomGenerator(Small with { RenderFindings = false });
        for (int i = 0; i < 40 && checkedFindings < 6; i++)
        {
            var a = with.Generate(i);
            var b = without.Generate(i);
            foreach (Laterality side in PhantomGenerator.Sides)
            {
                var breast = a.Study.Breast(side);
                int findings = breast.Masses.Count + breast.Calcifications.Count;
                for (int k = 0; k < 4; k++)
                {
                    if (a.Images[k].Side != side) continue;
                    Assert.HasCount(findings, a.Images[k].Findings);
                    double changed = 0;
                    for (int p = 0; p < a.Images[k].Frame.StoredValues.Length; p++)
                        changed += Math.Abs(a.Images[k].Frame.StoredValues[p] - b.Images[k].Frame.StoredValues[p]);
                    if (findings == 0) Assert.AreEqual(0, changed, "no findings, no change");
                    else Assert.IsGreaterThan(0, changed, $"study {i} {side} {a.Images[k].View}: findings must show");
                    // Each drawn finding changes the pixels around its mark.
                    foreach (FindingMark mark in a.Images[k].Findings)
                    {
                        double local = 0;
                        var f = a.Images[k].Frame;
                        for (int y = Math.Max(0, (int)(mark.Y - mark.Radius)); y < Math.Min(f.Height, (int)(mark.Y + mark.Radius) + 1); y++)
                            for (int x = Math.Max(0, (int)(mark.X - mark.Radius)); x < Math.Min(f.Width, (int)(mark.X + mark.Radius) + 1); x++)
                                local += Math.Abs(f.StoredValues[y * f.Width + x] - b.Images[k].Frame.StoredValues[y * f.Width + x]);
                        Assert.IsGreaterThan(0, local, $"study {i} {side} {a.Images[k].View} {mark.Kind} at ({mark.X:F0},{mark.Y:F0})");
                    }
                }
                if (findings == 0) continue;
                checkedFindings += findings;
                // Same depth from the chest wall: MLO depth is 1.06 x CC depth by construction of the views.
                var cc = a.Images.Single(im => im.Side == side && im.View == "CC").Findings;
                var mlo = a.Images.Single(im => im.Side == side && im.View == "MLO").Findings;
                for (int m = 0; m < cc.Count; m++)
                {
                    double depthCc = side == Laterality.Left ? cc[m].X : Small.Width - cc[m].X;
                    double depthMlo = side == Laterality.Left ? mlo[m].X : Small.Width - mlo[m].X;
                    Assert.AreEqual(1.06 * depthCc, depthMlo, 1e-9);
                }
            }
        }
        Assert.IsGreaterThanOrEqualTo(6, checkedFindings, "too few findings sampled to test");
    }

    [TestMethod]
    public void Labels_FollowFromTheFindings()
    {
        var options = new PhantomOptions { Seed = 3 };
        for (int i = 0; i < 400; i++)
        {
            var s = PhantomStudySampler.Sample(i, options);
            foreach (var b in new[] { s.Left, s.Right })
            {
                bool any = b.Masses.Count + b.Calcifications.Count > 0;
                Assert.AreEqual(!any, b.BiRads == 1, $"study {i}: BI-RADS 1 exactly when nothing is found");
                if (b.Cancer) Assert.IsTrue(any);
                if (s.Reason == ExamReason.Screening) Assert.IsTrue(b.BiRads is 0 or 1 or 2, $"screening BI-RADS {b.BiRads}");
                if (b.BiRads == 6) Assert.IsTrue(b.Cancer);
                var record = s.Record(b.Side, "CC", "x.png");
                Assert.AreEqual(b.BiRads, record.BiRads);
                Assert.AreEqual(b.Masses.Count > 0, record.MassShape is not null);
                Assert.AreEqual(b.Calcifications.Count > 0, record.CalcificationType is not null);
            }
            Assert.IsTrue(s.Age is >= 35 and <= 90);
        }
    }

    [TestMethod]
    public void Clock_ReadsLateralAsNineOnTheRightAndThreeOnTheLeft()
    {
        var lateral = new BreastLocation(0.5, 0, 0.5);
        var superior = new BreastLocation(0.5, Math.PI / 2, 0.5);
        Assert.AreEqual(9, lateral.Clock(Laterality.Right));
        Assert.AreEqual(3, lateral.Clock(Laterality.Left));
        Assert.AreEqual(12, superior.Clock(Laterality.Right));
        Assert.AreEqual(12, superior.Clock(Laterality.Left));
    }

    [TestMethod]
    public void Montage_IsASmall8BitPng()
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, "montage.png");
        PhantomMontage.WritePng(new PhantomGenerator(Small).Generate(0), path);
        byte[] bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4).ToArray());
        Assert.AreEqual(8, bytes[24]); // IHDR bit depth
        Assert.IsLessThan(200_000, bytes.Length);
    }

    [TestMethod]
    public void Options_AreValidated()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PhantomGenerator(new PhantomOptions { Width = 8 }));
        Assert.ThrowsExactly<ArgumentException>(() => new PhantomGenerator(new PhantomOptions { DensityWeights = [1, 1] }));
        Assert.ThrowsExactly<ArgumentException>(() => PhantomRenderer.Render(PhantomStudySampler.Sample(0, Small), Laterality.Left, "XCCL", Small));
    }

    [TestMethod]
    public void WriteDataset_ReportsEachStudyCountOnce()
    {
        string folder = Path.Combine(Folder, "progress");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var counts = new Counts();
        new PhantomGenerator(Small).WriteDataset(folder, 5, studiesWritten: counts);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5 }, counts.Values.Order().ToArray());
    }

    /// <summary>Records every report synchronously (Progress&lt;T&gt; would post them to a context).</summary>
    private sealed class Counts : IProgress<int>
    {
        public System.Collections.Concurrent.ConcurrentBag<int> Values { get; } = [];

        public void Report(int value) => Values.Add(value);
    }
}
