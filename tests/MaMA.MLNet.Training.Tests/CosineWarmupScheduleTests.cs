namespace MaMA.MLNet.Training.Tests;

[TestClass]
public sealed class CosineWarmupScheduleTests
{
    // Peak 1e-3, floor 1e-5, warm-up 10, total 110: the decay spans 100 steps.
    private static readonly CosineWarmupSchedule Schedule = new(1e-3, 1e-5, 10, 110);
    private const double Span = 1e-3 - 1e-5;

    [TestMethod]
    public void WarmupRisesLinearlyFromTheFloor()
    {
        Assert.AreEqual(1e-5, Schedule.LearningRateAt(0), 1e-15);
        Assert.AreEqual(1e-5 + Span * 0.3, Schedule.LearningRateAt(3), 1e-15);
        Assert.AreEqual(1e-5 + Span * 0.9, Schedule.LearningRateAt(9), 1e-15);
    }

    [TestMethod]
    public void CosineDecayMatchesItsClosedForm()
    {
        Assert.AreEqual(1e-3, Schedule.LearningRateAt(10), 1e-15);                                  // cos 0 = 1
        Assert.AreEqual(1e-5 + Span * (1 + Math.Sqrt(0.5)) / 2, Schedule.LearningRateAt(35), 1e-15); // cos(pi/4)
        Assert.AreEqual(1e-5 + Span / 2, Schedule.LearningRateAt(60), 1e-15);                       // cos(pi/2) = 0
        Assert.AreEqual(1e-5 + Span * (1 - Math.Sqrt(0.5)) / 2, Schedule.LearningRateAt(85), 1e-15); // cos(3pi/4)
        Assert.AreEqual(1e-5 + Span * (1 + Math.Cos(Math.PI * 0.99)) / 2, Schedule.LearningRateAt(109), 1e-15);
    }

    [TestMethod]
    public void AfterTheEndTheRateStaysAtTheFloor()
    {
        Assert.AreEqual(1e-5, Schedule.LearningRateAt(110), 1e-15);
        Assert.AreEqual(1e-5, Schedule.LearningRateAt(10_000), 1e-15);
    }

    [TestMethod]
    public void WithoutWarmupTheFirstStepUsesThePeak()
    {
        var s = new CosineWarmupSchedule(0.5, 0.0, 0, 4);
        Assert.AreEqual(0.5, s.LearningRateAt(0), 1e-15);
        Assert.AreEqual(0.25, s.LearningRateAt(2), 1e-15);
    }

    [TestMethod]
    public void ABudgetFractionAheadOfTheStepsDrivesTheDecay()
    {
        // Step 35 is a quarter through the decay; half the time budget used puts the rate at the cosine's midpoint.
        Assert.AreEqual(1e-5 + Span / 2, Schedule.LearningRateAt(35, budgetFraction: 0.5), 1e-15);
        // Behind the steps the fraction changes nothing; past the budget the rate is at the floor.
        Assert.AreEqual(Schedule.LearningRateAt(85), Schedule.LearningRateAt(85, budgetFraction: 0.5), 1e-15);
        Assert.AreEqual(1e-5, Schedule.LearningRateAt(20, budgetFraction: 1.0), 1e-15);
        Assert.AreEqual(1e-5, Schedule.LearningRateAt(20, budgetFraction: 3.0), 1e-15);
        // Warm-up stays step-based.
        Assert.AreEqual(1e-5 + Span * 0.3, Schedule.LearningRateAt(3, budgetFraction: 0.9), 1e-15);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Schedule.LearningRateAt(20, double.NaN));
    }

    [TestMethod]
    public void ARunThatSpendsItsBudgetEvenlyNeverRaisesTheRate()
    {
        // 110 scheduled steps in a budget that fits 60 of them: the rate only falls, and is at the floor when the time is up.
        double previous = double.MaxValue;
        for (long t = 10; t < 60; t++)
        {
            double lr = Schedule.LearningRateAt(t, budgetFraction: t / 60.0);
            Assert.IsTrue(lr <= previous, $"step {t}: {lr} after {previous}");
            Assert.IsTrue(lr < Schedule.LearningRateAt(t) || t == 10, $"step {t}: the budget should be ahead of the steps");
            previous = lr;
        }
        Assert.AreEqual(1e-5, Schedule.LearningRateAt(60, budgetFraction: 1.0), 1e-15);
    }

    [TestMethod]
    public void InconsistentSettingsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineWarmupSchedule(1e-3, 1e-5, 110, 110));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineWarmupSchedule(1e-3, 1e-2, 1, 10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineWarmupSchedule(double.NaN, 0, 1, 10));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Schedule.LearningRateAt(-1));
    }
}
