"""Compares an export's JPEGs with what XYPB/MaMA scripts/resize_embed.py would write (not run by CI).

    python3 compare_jpeg.py MANIFEST_CSV EXPORT_DIR

For each 16-bit PNG of a `mama synth` manifest (PNG: OpenCV reads the stored values directly; the reference reads
DICOM with pydicom, which Debian does not package here), the script makes the resized 8-bit array as the
reference's script does (convertScaleAbs by the maximum, long side 1080 with INTER_AREA), saves it as PIL does
(RGB, default quality), reads both JPEGs back as the reference's loader does (cv2.imread(path, 0)) and prints how
far apart they are. Needs Debian's python3-opencv, python3-pil, python3-numpy.
"""
import csv
import io
import os
import sys

import cv2
import numpy as np
from PIL import Image

manifest, export = sys.argv[1], sys.argv[2]
folder = os.path.dirname(os.path.abspath(manifest))
stats = []
for r in csv.DictReader(open(manifest)):
    x = cv2.imread(os.path.join(folder, r["image_path"]), cv2.IMREAD_UNCHANGED)
    x8 = cv2.convertScaleAbs(x, alpha=(255.0 / x.max()))
    h, w = x8.shape
    size = (1080, int(w * (1080 / h))) if h >= w else (int(h * (1080 / w)), 1080)
    array = cv2.resize(x8, size[::-1], interpolation=cv2.INTER_AREA)
    buffer = io.BytesIO()
    Image.fromarray(array).convert("RGB").save(buffer, format="JPEG")
    theirs = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), 0).astype(int)
    name = os.path.splitext(os.path.basename(r["image_path"]))[0]
    ours_path = os.path.join(export, "EMBED_1080_JPG", "images", r["patient_id"], r["study_id"], name + "_resized.jpg")
    ours = cv2.imread(ours_path, 0).astype(int)
    stats.append((np.abs(theirs - array).mean(), np.abs(ours - array).mean(), np.abs(theirs - ours).mean(),
                  np.abs(theirs - ours).max(), len(buffer.getvalue()), os.path.getsize(ours_path)))
s = np.array(stats)
print(f"{len(s)} images: PIL RGB vs array {s[:, 0].mean():.3f}, ours vs array {s[:, 1].mean():.3f}, "
      f"PIL vs ours mean {s[:, 2].mean():.3f} max {s[:, 3].max():.0f}; bytes PIL {s[:, 4].mean():.0f}, ours {s[:, 5].mean():.0f}")
