using MaMA.MLNet.Modeling;
using static TorchSharp.torch;

// Runs a TorchSharp operation through the packaged library: proves the package, its dependencies and the
// native-library fix in its buildTransitive folder reach a consumer with no manual step.
TorchRuntime.Seed(1);
using var scope = NewDisposeScope();
var device = TorchRuntime.ResolveDevice("cpu");
var a = tensor(new float[] { 1, 2, 3, 4 }, device: device).reshape(2, 2);
float[] product = a.matmul(a).data<float>().ToArray(); // [[7,10],[15,22]]
bool ok = product.SequenceEqual(new float[] { 7, 10, 15, 22 });
Console.WriteLine($"consumer: matmul {(ok ? "ok" : "WRONG")} [{string.Join(", ", product)}]");
return ok ? 0 : 1;
