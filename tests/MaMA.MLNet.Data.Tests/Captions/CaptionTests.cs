using MaMA.MLNet.Data.Captions;
using MaMA.MLNet.Data.Manifest;

namespace MaMA.MLNet.Data.Tests.Captions;

[TestClass]
public sealed class CaptionTests
{
    private static readonly MammogramRecord Full = new()
    {
        ImagePath = "a.png", PatientId = "P1", StudyId = "S1", Laterality = Laterality.Right, View = "MLO", ImageType = "2D",
        Procedure = "MG Diagnostic, left", Age = 61, Race = "Caucasian or White", Ethnicity = "Non-Hispanic or Latino",
        Density = 3, BiRads = 4, MassShape = "irregular", MassDensity = "high density",
        CalcificationType = "pleomorphic", CalcificationDistribution = "grouped",
    };

    // Written by hand from the reference template (two spaces after the patient, image, composition, findings and
    // calcification parts; a trailing space).
    private const string FullCaption =
        "Procedure reported: MG Diagnostic, left; Reason for procedure: diagnostic; " +
        "Patient info: This patient is Caucasian or White, Non-Hispanic or Latino, and 61 years old.  " +
        "Image info: This is a 2D full-field digital mammogram of the right breast with MLO view.  " +
        "Breast composition: The breast is heterogeneously dense. This may lower the sensitivity of mammography.  " +
        "Findings: The mammogram shows that a suspicious abnormality is present. The mass is irregular and high density.  " +
        "A grouped pleomorphic calcification is present.  " +
        "Impressions: BI-RADS Category 4: suspicious abnormality. Overall Assessment: Suspicious abnormality. ";

    [TestMethod]
    public void Build_Unmasked_MatchesTheHandWrittenCaption()
    {
        Assert.AreEqual(FullCaption, StructuredCaptionBuilder.Unmasked.Build(Full, null));
        Assert.AreEqual(FullCaption, new StructuredCaptionBuilder(0.8).Build(Full, null));
        Assert.AreEqual(FullCaption, new StructuredCaptionBuilder(0.0).Build(Full, new Random(3)));
    }

    [TestMethod]
    public void Build_SparseRecord_KeepsPatientAndImageSections_WithUnknowns()
    {
        var sparse = new MammogramRecord
        {
            ImagePath = "b.png", PatientId = "P", StudyId = "S", Laterality = Laterality.Left, Reason = ExamReason.Screening,
            Density = 1, BiRads = 1, MassShape = "oval", // mass density unknown: no mass sentence
        };
        const string expected =
            "Reason for procedure: screening; " +
            "Patient info: This patient is unknown, unknown, and unknown years old.  " +
            "Image info: This is a unknown full-field digital mammogram of the left breast with unknown view.  " +
            "Breast composition: The breast is almost entirely fat.  " +
            "Findings: The mammogram shows that no significant masses, calcification, or other abnormalities are present.  " +
            "Impressions: BI-RADS Category 1: negative. Overall Assessment: Negative. ";
        Assert.AreEqual(expected, StructuredCaptionBuilder.Unmasked.Build(sparse, null));
    }

    [TestMethod]
    public void Build_ReasonComesFromTheProcedure_WhenNotGiven()
    {
        var r = new MammogramRecord { ImagePath = "c", PatientId = "P", StudyId = "S", Procedure = "MG Screen Bilat" };
        StringAssert.StartsWith(StructuredCaptionBuilder.Unmasked.Build(r, null), "Procedure reported: MG Screen Bilat; Reason for procedure: screening; Patient info:");
    }

    [TestMethod]
    public void Build_MasksEachFieldWithProbabilityP_Independently()
    {
        var builder = new StructuredCaptionBuilder(0.8);
        var random = new Random(1234);
        string[] markers =
        [
            "and unknown years old", "This patient is unknown,", "Latino, and", "This is a unknown full-field",
            "of the unknown breast", "with unknown view",
        ];
        var counts = new int[markers.Length];
        int ageAndRace = 0;
        const int n = 10_000;
        for (int i = 0; i < n; i++)
        {
            string caption = builder.Build(Full, random);
            for (int k = 0; k < markers.Length; k++)
            {
                bool hit = caption.Contains(markers[k], StringComparison.Ordinal);
                if (k == 2) hit = !hit; // ethnicity masked: "Latino, and" is gone
                if (hit) counts[k]++;
            }
            if (caption.Contains(markers[0], StringComparison.Ordinal) && caption.Contains(markers[1], StringComparison.Ordinal)) ageAndRace++;
            // The clinical part never changes.
            StringAssert.EndsWith(caption, FullCaption[FullCaption.IndexOf("Breast composition", StringComparison.Ordinal)..]);
        }
        // Binomial(10000, 0.8): sd 40; 4.5 sd tolerance.
        foreach (int c in counts) Assert.AreEqual(8000, c, 180, $"counts {string.Join(",", counts)}");
        // Independence: both masked with probability 0.64 (sd 48).
        Assert.AreEqual(6400, ageAndRace, 216);
    }

    [TestMethod]
    public void Build_SameSeed_SameCaptions()
    {
        var builder = new StructuredCaptionBuilder();
        var a = new Random(9);
        var b = new Random(9);
        for (int i = 0; i < 20; i++) Assert.AreEqual(builder.Build(Full, a), builder.Build(Full, b));
    }

    [TestMethod]
    public void ZeroShot_DensityPrompts_AreTheCompositionSection()
    {
        var prompts = ZeroShotPrompts.For(ZeroShotTask.Density);
        CollectionAssert.AreEqual(new[]
        {
            "Breast composition: The breast is almost entirely fat. ",
            "Breast composition: The breast is scattered fibroglandular densities. ",
            "Breast composition: The breast is heterogeneously dense. This may lower the sensitivity of mammography. ",
            "Breast composition: The breast is extremely dense. This may lower the sensitivity of mammography. ",
        }, prompts.ToArray());
    }

    [TestMethod]
    public void ZeroShot_BiRadsPrompts_AreFindingsImpressionAssessment()
    {
        var prompts = ZeroShotPrompts.For(ZeroShotTask.BiRads);
        Assert.HasCount(7, prompts);
        Assert.AreEqual("Findings: The mammogram shows that no significant masses, calcification, or other abnormalities are present.  " +
                        "Impressions: BI-RADS Category 1: negative. Overall Assessment: Negative. ", prompts[1]);
        Assert.AreEqual("Findings: The mammogram shows that a known biopsy-proven malignant mass is present.  " +
                        "Impressions: BI-RADS Category 6: known biopsy-proven malignancy. Overall Assessment: Known biopsy-proven malignancy. ", prompts[6]);
        // A training caption with the same BI-RADS and no mass or calcification words ends with the prompt.
        var plain = Full with { MassShape = null, CalcificationType = null };
        StringAssert.EndsWith(StructuredCaptionBuilder.Unmasked.Build(plain, null), ZeroShotPrompts.For(ZeroShotTask.BiRads)[4]);
    }

    [TestMethod]
    public void ZeroShot_CancerPrompts_UseTheReferenceWording()
    {
        var prompts = ZeroShotPrompts.For(ZeroShotTask.Cancer);
        Assert.AreEqual("Findings: The mammogram shows that Cancer negative: overall healthy or just benign finding " +
                        "Impressions: BI-RADS Category N or B: Negative or Benign. Overall Assessment: Negative or Benign", prompts[0]);
        StringAssert.StartsWith(prompts[1], "Findings: The mammogram shows that Cancer positive: screening image with known biopsy-proven malignancy");
        CollectionAssert.AreEqual(new[] { "negative", "positive" }, ZeroShotPrompts.ClassNames(ZeroShotTask.Cancer).ToArray());
    }

    [TestMethod]
    public void ZeroShot_InstancePrefix_IsTheUnmaskedMetadataSections()
    {
        string prefix = "Procedure reported: MG Diagnostic, left; Reason for procedure: diagnostic; " +
                        "Patient info: This patient is Caucasian or White, Non-Hispanic or Latino, and 61 years old.  " +
                        "Image info: This is a 2D full-field digital mammogram of the right breast with MLO view.  ";
        Assert.AreEqual(prefix, StructuredCaptionBuilder.MetadataSections(Full));
        var prompts = ZeroShotPrompts.For(ZeroShotTask.Density, Full);
        Assert.AreEqual(prefix + "Breast composition: The breast is almost entirely fat. ", prompts[0]);
        StringAssert.StartsWith(FullCaption, prefix);
    }

    [TestMethod]
    public void Sentences_FollowTheSeparatorRule()
    {
        const string caption = "Procedure reported: X; Reason for procedure: screening; ";
        Assert.AreEqual("<|startoftext|>Procedure reported: X<|separatetext|> Reason for procedure: screening<|separatetext|> <|endoftext|>",
            CaptionSentences.ToTokenizerText(caption));
        CollectionAssert.AreEqual(new[] { "Procedure reported: X", "Reason for procedure: screening" }, CaptionSentences.Split(caption).ToArray());
        Assert.AreEqual(2, CaptionSentences.Count(caption));
        Assert.AreEqual("<|startoftext|>a b<|endoftext|>", CaptionSentences.ToTokenizerText("a\nb"));
        // Hand count of the full caption: 2 ";" + patient, image, 2 composition, finding, mass, calcification, impression, assessment.
        Assert.AreEqual(11, CaptionSentences.Count(FullCaption));
        Assert.HasCount(11, CaptionSentences.Split(FullCaption));
        Assert.AreEqual("Overall Assessment: Suspicious abnormality", CaptionSentences.Split(FullCaption)[^1]);
        // The cancer prompts have no period after the finding and none at the end: one sentence, the assessment trails.
        CollectionAssert.AreEqual(
            new[] { "Findings: The mammogram shows that Cancer negative: overall healthy or just benign finding Impressions: BI-RADS Category N or B: Negative or Benign" },
            CaptionSentences.Split(ZeroShotPrompts.CancerPrompt(false)).ToArray());
    }
}
