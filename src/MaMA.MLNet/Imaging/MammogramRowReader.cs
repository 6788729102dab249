using MaMA.MLNet.Imaging.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MaMA.MLNet.Imaging;

/// <summary>
/// Reads and preprocesses the mammogram of the current row of an input row or cursor, once per row
/// (cached by position), and serves the added columns' getters from that result.
/// </summary>
internal sealed class MammogramRowReader
{
    private readonly DataViewRow _input;
    private readonly MammogramColumnLayout _layout;
    private readonly LoadMammogramsOptions _options;
    private readonly MammogramPreprocessor _preprocessor;
    private readonly MammogramReader _reader;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _pathGetter;
    private readonly ValueGetter<VBuffer<byte>>? _bytesGetter;

    private long _position = -1;
    private float[]? _image;
    private string _error = "";
    private MammographyHeader? _header;
    private VBuffer<byte> _bytes;

    public MammogramRowReader(DataViewRow input, MammogramColumnLayout layout, LoadMammogramsOptions options, MammogramPreprocessor preprocessor)
    {
        _input = input;
        _layout = layout;
        _options = options;
        _preprocessor = preprocessor;
        _reader = options.Reader ?? MammogramReader.Default;
        DataViewSchema.Column source = input.Schema[layout.InputColumnIndex];
        if (layout.InputIsPath) _pathGetter = input.GetGetter<ReadOnlyMemory<char>>(source);
        else _bytesGetter = input.GetGetter<VBuffer<byte>>(source);
    }

    public Delegate MakeGetter(int index)
    {
        if (index == _layout.ImageIndex)
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                Ensure();
                int length = _preprocessor.OutputLength;
                VBufferEditor<float> editor = VBufferEditor.Create(ref value, length);
                if (_image is null) editor.Values.Clear();
                else _image.CopyTo(editor.Values);
                value = editor.Commit();
            });
        if (index == _layout.ErrorIndex)
            return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) =>
            {
                Ensure();
                value = _error.AsMemory();
            });
        int text = index - _layout.FirstTextHeaderIndex;
        if (text >= 0 && text < MammogramHeaderColumns.Text.Length)
        {
            MammogramHeaderColumns.TextColumn column = MammogramHeaderColumns.Text[text];
            return (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) =>
            {
                Ensure();
                value = (_header is null ? null : column.Value(_header) ?? "").AsMemory();
            });
        }
        int number = index - _layout.FirstNumberHeaderIndex;
        if (number >= 0 && number < MammogramHeaderColumns.Numbers.Length)
        {
            MammogramHeaderColumns.NumberColumn column = MammogramHeaderColumns.Numbers[number];
            return (ValueGetter<float>)((ref float value) =>
            {
                Ensure();
                value = _header is not null && column.Value(_header) is { } v ? (float)v : float.NaN;
            });
        }
        throw new ArgumentOutOfRangeException(nameof(index), index, "Not a column this loader adds.");
    }

    private void Ensure()
    {
        if (_position == _input.Position) return;
        _image = null;
        _header = null;
        _error = "";
        string source = $"row {_input.Position}";
        try
        {
            // Cursors may run in parallel: the decoded frame stays reserved on the shared memory gate until it is preprocessed.
            using var memory = DecodeMemoryGate.Shared.BeginScope();
            Mammogram mammogram;
            if (_pathGetter is not null)
            {
                ReadOnlyMemory<char> path = default;
                _pathGetter(ref path);
                source = path.ToString();
                if (string.IsNullOrWhiteSpace(source)) throw new MammogramReadException($"row {_input.Position}", "empty file path");
                mammogram = _reader.ReadFile(source, _options.Frame);
            }
            else
            {
                _bytesGetter!(ref _bytes);
                mammogram = _reader.ReadBytes(_bytes.DenseValues().ToArray(), source, _options.Frame);
            }
            _image = _preprocessor.Preprocess(mammogram);
            _header = mammogram.Header;
        }
        catch (Exception e) when (e is MammogramReadException or ArgumentException or InvalidOperationException or IOException)
        {
            MammogramReadException problem = e as MammogramReadException ?? new MammogramReadException(source, e.Message, e);
            if (_options.BadFileHandling == BadFileHandling.Throw) throw problem;
            _error = problem.Message;
        }
        _position = _input.Position;
    }
}
