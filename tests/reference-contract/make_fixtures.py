"""Makes the expected values of the reference-export tests (not run by CI).

Needs Debian's python3-opencv (4.6.0) and python3-numpy. It does what XYPB/MaMA scripts/resize_embed.py does to an
image (read_from_dicom: cv2.convertScaleAbs by 255 / max, cv2.bitwise_not for MONOCHROME1; resize_img without padding:
the long side to `scale`, the other int(side * scale / long), cv2.INTER_AREA) and pickles dicts the way
preprocess_embed.py does (pickle.dump, protocol 2 here), so the C# tests compare against OpenCV and CPython.
Paste the output into tests/MaMA.MLNet.Data.Tests/ReferenceExport/*.cs.
"""
import hashlib
import pickle
import pickletools

import cv2
import numpy as np


def pattern(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 2531 + y * 1741 + (x * y % 97) * 13) % 4096).astype(np.uint16)


def target(shape, scale):
    max_ind = shape.index(max(shape))
    if max_ind == 0:
        return scale, int(float(shape[1]) * float(scale / float(shape[0])))
    return int(float(shape[0]) * float(scale / float(shape[1]))), scale


for w, h, s, inv in [(37, 53, 20, False), (40, 30, 20, False), (9, 13, 20, False), (60, 90, 30, True), (53, 37, 24, True), (27, 13, 60, False)]:
    x = pattern(w, h)
    x8 = cv2.convertScaleAbs(x, alpha=(255.0 / x.max()))
    if inv:
        x8 = cv2.bitwise_not(x8)
    th, tw = target(x8.shape, s)
    r = cv2.resize(x8, (tw, th), interpolation=cv2.INTER_AREA)
    print(f'[DataRow({w}, {h}, {s}, {str(inv).lower()}, {r.shape[1]}, {r.shape[0]}, "{r.tobytes().hex()}")]')

# Strings are built at run time so no two entries are one object: the pickle then has no memo references, and
# pickletools.optimize drops every PUT.
small = {}
for i in range(3):
    small["".join(["/data/Embed/images/p", str(i), ".dcm"])] = ["".join(["/data/Embed/images/q", str(i), "_", str(j), ".dcm"]) for j in range(i)]
small["".join(["/x/", "\u00e9"])] = ["".join(["a", "b"])]
print("small", pickletools.optimize(pickle.dumps(small, protocol=2)).hex())
print("one", pickletools.optimize(pickle.dumps({"".join(["a", "b"]): []}, protocol=2)).hex())
big = {f"k{i}": [f"v{i}_{j}" for j in range(i % 3)] for i in range(999)}
big["long"] = [f"item{j}" for j in range(2001)]
data = pickletools.optimize(pickle.dumps(big, protocol=2))
print("big", len(data), hashlib.sha256(data).hexdigest())
