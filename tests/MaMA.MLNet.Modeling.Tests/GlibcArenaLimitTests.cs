namespace MaMA.MLNet.Modeling.Tests;

/// <summary><see cref="GlibcArenaLimit"/>: glibc's mallopt is reached and accepts the cap (this project builds and tests on glibc Linux).</summary>
[TestClass]
public sealed class GlibcArenaLimitTests
{
    [TestMethod]
    public void TheCapIsSetOnGlibcUnlessTheUserSetMallocArenaMax()
    {
        Assert.IsTrue(OperatingSystem.IsLinux(), "the tests run on Linux");
        bool userSetIt = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null;
        Assert.AreEqual(!userSetIt, GlibcArenaLimit.Apply(), userSetIt ? "MALLOC_ARENA_MAX is set: the user's value stands" : "mallopt(M_ARENA_MAX) was not accepted");
        Assert.AreEqual(!userSetIt, GlibcArenaLimit.Apply(), "a second call reports the cap already set");
    }

    [TestMethod]
    public void FewerThanOneArenaIsRefused() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GlibcArenaLimit.Apply(0));
}
