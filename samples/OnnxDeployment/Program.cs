using MaMA.MLNet.Samples.OnnxDeployment;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: OnnxDeployment MODEL.onnx   (make it with: mama export-onnx --model DIR --out MODEL.onnx --part image)");
    return 2;
}
if (!File.Exists(args[0]))
{
    Console.Error.WriteLine($"'{args[0]}' does not exist.");
    return 3;
}
OnnxDeploymentSample.Run(args[0], Console.Out);
return 0;
