using MaMA.MLNet.Data.Manifest;
using MaMA.MLNet.Data.Pairing;

namespace MaMA.MLNet.Data.Tests.Pairing;

[TestClass]
public sealed class SecondViewSamplerTests
{
    private static MammogramRecord R(string study, Laterality side, string view) =>
        new() { ImagePath = $"{study}_{side}_{view}", PatientId = "P" + study, StudyId = study, Laterality = side, View = view };

    private static readonly MammogramRecord[] Records =
    [
        R("A", Laterality.Left, "CC"), R("A", Laterality.Left, "MLO"), R("A", Laterality.Right, "CC"), R("A", Laterality.Right, "MLO"),
        R("B", Laterality.Left, "CC"), // a single-image study
        R("C", Laterality.Right, "CC"), R("C", Laterality.Left, "MLO"),
    ];

    [TestMethod]
    public void Candidates_SameStudy_AreAllOtherImagesOfTheStudy()
    {
        var s = new SecondViewSampler(Records);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, s.Candidates(0).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, s.Candidates(3).ToArray());
        Assert.IsEmpty(s.Candidates(4));
        CollectionAssert.AreEqual(new[] { 5 }, s.Candidates(6).ToArray());
    }

    [TestMethod]
    public void Candidates_SameSide_AreOtherViewsOfThatBreast()
    {
        var s = new SecondViewSampler(Records, SecondViewScope.SameSide);
        CollectionAssert.AreEqual(new[] { 1 }, s.Candidates(0).ToArray());
        CollectionAssert.AreEqual(new[] { 2 }, s.Candidates(3).ToArray());
        Assert.IsEmpty(s.Candidates(5));
    }

    [TestMethod]
    public void Draw_SingleImageStudy_FallsBackToTheSameImage()
    {
        var s = new SecondViewSampler(Records, otherImageProbability: 1.0);
        var random = new Random(5);
        for (int i = 0; i < 50; i++) Assert.AreEqual(new ViewPair(4, 4, true), s.Draw(4, random));
    }

    [TestMethod]
    public void Draw_UsesAnotherImageWithTheGivenProbability_AndPicksUniformly()
    {
        var s = new SecondViewSampler(Records);
        var random = new Random(77);
        var counts = new Dictionary<int, int>();
        const int n = 9000;
        for (int i = 0; i < n; i++)
        {
            ViewPair p = s.Draw(0, random);
            Assert.AreEqual(0, p.First);
            Assert.AreEqual(p.Second == 0, p.IsSameImage);
            counts[p.Second] = counts.GetValueOrDefault(p.Second) + 1;
        }
        Assert.AreEqual(n / 2.0, counts[0], 4.5 * Math.Sqrt(n * 0.25));            // same image half the time
        foreach (int j in new[] { 1, 2, 3 }) Assert.AreEqual(n / 6.0, counts[j], 4.5 * Math.Sqrt(n / 6.0 * 5 / 6)); // each other image 1/6
    }

    [TestMethod]
    public void Draw_IsDeterministicUnderASeed()
    {
        var s = new SecondViewSampler(Records);
        var a = new Random(3);
        var b = new Random(3);
        for (int i = 0; i < 100; i++) Assert.AreEqual(s.Draw(i % Records.Length, a), s.Draw(i % Records.Length, b));
    }

    [TestMethod]
    public void Constructor_RejectsABadProbability() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SecondViewSampler(Records, otherImageProbability: 1.5));
}
