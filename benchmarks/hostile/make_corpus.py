#!/usr/bin/env python3
"""Writes the hostile-input corpus of issue 16 into a folder, for measuring peak memory of the `mama` CLI on it
(benchmarks/hostile/measure.sh). The tests build the same kinds of files in code (tests/*/Limits, */Hostile);
this script exists so the CLI can be run on them under /usr/bin/time. Python 3 standard library only, plus
dcmtk's dcmcjpls for the JPEG-LS file and OpenJPEG's opj_compress for the JPEG 2000 file (each skipped when missing).

usage: make_corpus.py OUT_FOLDER MODEL_FOLDER
  MODEL_FOLDER: a model written by `mama model init --preset tiny` (config.json + model.safetensors).
"""
import io, json, os, shutil, struct, subprocess, sys, zipfile, zlib

out, model = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def element(group, elem, vr, value):
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def us(v):
    return struct.pack("<H", v)


def text(s):
    b = s.encode()
    return b + (b"\0" if len(b) % 2 else b"")


def pixel_module(rows, cols):
    return b"".join([
        element(0x0008, 0x0060, "CS", text("MG")),
        element(0x0028, 0x0002, "US", us(1)),
        element(0x0028, 0x0004, "CS", text("MONOCHROME2")),
        element(0x0028, 0x0010, "US", us(rows)),
        element(0x0028, 0x0011, "US", us(cols)),
        element(0x0028, 0x0100, "US", us(16)),
        element(0x0028, 0x0101, "US", us(16)),
        element(0x0028, 0x0102, "US", us(15)),
        element(0x0028, 0x0103, "US", us(0)),
    ])


def part10(syntax, dataset):
    meta = element(0x0002, 0x0001, "OB", b"\0\1") + element(0x0002, 0x0010, "UI", text(syntax))
    return b"\0" * 128 + b"DICM" + element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta))) + meta + dataset


def encapsulated(fragment):
    item = lambda data: struct.pack("<HHI", 0xFFFE, 0xE000, len(data)) + data
    return (struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF) + item(b"") + item(fragment)
            + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


# 1. Deflated data set: a 64 x 64 image, then 1.4 GB of zeros in a private OB element (deflate packs them ~1000:1);
# and one with 3 GB of zeros, past what one .NET array holds (the "3 MB file that reaches 5.2 GB before failing").
def deflated(name, zeros):
    dataset = pixel_module(64, 64) + element(0x7FE0, 0x0010, "OW", b"\0" * (64 * 64 * 2))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [packer.compress(dataset), packer.compress(struct.pack("<HH2sHI", 0x0009, 0x1010, b"OB", 0, zeros))]
    chunk = b"\0" * (64 << 20)
    left = zeros
    while left > 0:
        parts.append(packer.compress(chunk[:min(left, len(chunk))]))
        left -= len(chunk)
    parts.append(packer.flush())
    write(name, part10("1.2.840.10008.1.2.1.99", b"".join(parts)))


deflated("deflated-1.4GB.dcm", 1_400_000_000)
deflated("deflated-3GB.dcm", 3_000_000_000)

# 2. Native pixel data of 16 bytes under a header declaring 16384 x 16384.
write("native-16384.dcm", part10("1.2.840.10008.1.2.1", pixel_module(16384, 16384) + element(0x7FE0, 0x0010, "OW", b"\0" * 16)))

# 3. RLE: a real 16384 x 16384 16-bit frame of zeros, PackBits runs of 128 (about 8 MB).
side = 16384
segment = b"\x81\x00" * (side * side // 128)
header = struct.pack("<16I", 2, 64, 64 + len(segment), *([0] * 13))
write("rle-16384.dcm", part10("1.2.840.10008.1.2.5", pixel_module(side, side) + encapsulated(header + segment + segment)))

# 4. JPEG-LS: the same zero frame, compressed by dcmtk (a few kilobytes).
if shutil.which("dcmcjpls"):
    native = os.path.join(out, "native-zeros-16384.tmp.dcm")
    with open(native, "wb") as f:
        f.write(part10("1.2.840.10008.1.2.1", pixel_module(side, side)))
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, side * side * 2))
        row = b"\0" * (side * 2)
        for _ in range(side):
            f.write(row)
    subprocess.run(["dcmcjpls", native, os.path.join(out, "jpegls-16384.dcm")], check=True)
    os.remove(native)

# 5. JPEG 2000: the same zero frame, compressed losslessly by OpenJPEG's opj_compress (libopenjp2-tools; about 2 KB).
if shutil.which("opj_compress"):
    pgm, j2k = os.path.join(out, "zeros-16384.tmp.pgm"), os.path.join(out, "zeros-16384.tmp.j2k")
    with open(pgm, "wb") as f:
        f.write(b"P5\n%d %d\n65535\n" % (side, side))
        row = b"\0" * (side * 2)
        for _ in range(side):
            f.write(row)
    subprocess.run(["opj_compress", "-i", pgm, "-o", j2k], check=True, stdout=subprocess.DEVNULL)
    with open(j2k, "rb") as f:
        code = f.read()
    write("j2k-16384.dcm", part10("1.2.840.10008.1.2.4.90", pixel_module(side, side) + encapsulated(code + b"\0" * (len(code) % 2))))
    os.remove(pgm)
    os.remove(j2k)

# Model folders: the tiny model with a hostile file in place of model.safetensors, or a hostile config.
def model_with(name, weights=None, config=None):
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(model, folder)
    if weights is not None:
        with open(os.path.join(folder, "model.safetensors"), "wb") as f:
            f.write(weights)
    if config is not None:
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(config, f)


def torch_zip(pickle, storages=()):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(zipfile.ZipInfo("archive/data.pkl"), pickle)
        z.writestr(zipfile.ZipInfo("archive/byteorder"), b"little")
        for key, data_writer in storages:
            info = zipfile.ZipInfo("archive/data/" + key)
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as entry:
                data_writer(entry)
    return buffer.getvalue()


def put(k):
    return b"r" + struct.pack("<I", k)


def get(k):
    return b"j" + struct.pack("<I", k)


def ustr(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


# 5. Nested dictionaries, 160,000 deep (about 800 KB).
depth = 160_000
write_nested = b"\x80\x02" + (b"}" + ustr("a")) * depth + b"}" + b"s" * depth + b"."
model_with("model-nested-pickle", torch_zip(write_nested))

# 6. One child shared through the memo: d(k) = {"a": d(k-1), "b": d(k-1)}, 40 levels (about 1.6 KB).
shared = b"\x80\x02}" + put(0)
for k in range(1, 41):
    shared += b"}(" + ustr("a") + get(k - 1) + ustr("b") + get(k - 1) + b"u" + put(k)
model_with("model-shared-pickle", torch_zip(shared + b"."))


# 7. A [4] float tensor whose storage entry is 1 GiB of deflated zeros (about 1 MB).
def tensor(key, count, shape):
    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"
    pid = b"(" + ustr("storage") + b"ctorch\nFloatStorage\n" + ustr(key) + ustr("cpu") + b"J" + struct.pack("<i", count) + b"tQ"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + pid + b"J\0\0\0\0" + ints(shape) + ints([1] * len(shape))
            + b"\x89ccollections\nOrderedDict\n)Rt" + b"R")


def gib_of_zeros(entry):
    block = b"\0" * (64 << 20)
    for _ in range(16):
        entry.write(block)


bomb = b"\x80\x02}" + ustr("w") + tensor("0", 4, [4]) + b"s."
model_with("model-storage-bomb", torch_zip(bomb, [("0", gib_of_zeros)]))

# 8. A zip (a valid, small torch.save file) named model.safetensors.
small = b"\x80\x02}" + ustr("w") + tensor("0", 4, [4]) + b"s."
model_with("model-zip-named-safetensors", torch_zip(small, [("0", lambda e: e.write(b"\0" * 16))]))

# 9. config.json with sizes its weight file cannot fill: a 64-deep, 1024-wide vision transformer (about 0.8 G parameters).
with open(os.path.join(model, "config.json")) as f:
    config = json.load(f)
vision = next(k for k in config if k.lower() == "vision")
for key, value in (("width", 1024), ("depth", 64), ("heads", 16)):
    config[vision][next(k for k in config[vision] if k.lower() == key)] = value
model_with("model-absurd-config", config=config)

# 10. A 3 MB pipeline file whose only stage holds 3 GB of deflated zeros.
with zipfile.ZipFile(os.path.join(out, "bomb.mama.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("stages.json", json.dumps({"version": 1, "stages": [{"type": "mama", "path": "stage0.embedding", "kind": "image-embedding"}]}))
    with z.open("stage0.embedding/model/model.safetensors", "w", force_zip64=True) as entry:
        block = b"\0" * (64 << 20)
        for _ in range(48):
            entry.write(block)

for name in sorted(os.listdir(out)):
    path = os.path.join(out, name)
    size = os.path.getsize(path) if os.path.isfile(path) else sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
    print(f"{size:>12,}  {name}")
