"""Loads a `mama export-reference` folder with the MaMA reference's own dataset class (not run by CI).

    python3 check_with_reference.py MAMA_CHECKOUT DATA_BASE_DIR

MAMA_CHECKOUT is a checkout of github XYPB/MaMA; DATA_BASE_DIR the export's --out (or --data-root). The script
copies the checkout's dataset/ package to a temporary folder, sets DATA_BASE_DIR on line 5 of constants_val.py as the
reference's README asks, imports dataset.pretrain_dataset, and builds EmbedPretrainingDataset for each split with the
flags scripts/pretrain.sh passes (--embed --structural_cap --slip --inter_side --load_jpg --img_size 518
--mask_ratio 1.0 --mask_meta 0.8, gpt), then reads every item. Needs Debian's python3-pandas, python3-opencv,
python3-torch, python3-torchvision, python3-tqdm, python3-pil. The BioMedLM tokenizer (transformers, a download) and
the DICOM and metrics packages the dataset module imports but this path never calls are replaced by stand-ins: the
captions are checked as text, not as tokens.
"""
import os
import re
import shutil
import sys
import tempfile
import types

import torch

checkout, data_base_dir = sys.argv[1], sys.argv[2]


class FakeTokenizer:
    bos_token, eos_token, sep_token = "<|startoftext|>", "<|endoftext|>", "<|separatetext|>"
    eos_token_id, mask_token_id = 0, 1

    def __call__(self, text, return_tensors=None, truncation=False, padding=None, max_length=0):
        FakeTokenizer.seen.append(text)
        return {"input_ids": torch.ones(1, max_length, dtype=torch.long), "attention_mask": torch.ones(1, max_length, dtype=torch.long)}


FakeTokenizer.seen = []
for name in ["transformers", "nltk", "nltk.tokenize", "pydicom", "sklearn", "sklearn.metrics"]:
    sys.modules.setdefault(name, types.ModuleType(name))
sys.modules["transformers"].BertTokenizer = sys.modules["transformers"].AutoTokenizer = object
sys.modules["nltk.tokenize"].RegexpTokenizer = object
sys.modules["sklearn.metrics"].roc_curve = None

work = tempfile.mkdtemp()
shutil.copytree(os.path.join(checkout, "dataset"), os.path.join(work, "dataset"))
constants = os.path.join(work, "dataset", "constants_val.py")
lines = open(constants).read().split("\n")
assert lines[4].startswith("DATA_BASE_DIR = "), lines[4]
lines[4] = f"DATA_BASE_DIR = {data_base_dir!r}"
open(constants, "w").write("\n".join(lines))
sys.path.insert(0, work)
import dataset.pretrain_dataset as pd_module  # noqa: E402

pd_module.get_tokenizer = lambda llm_type: FakeTokenizer()
identity = lambda image: torch.zeros(1)  # noqa: E731  (the reference's training transform; images are checked before it)
loaded = []
orig_get_imgs = pd_module.get_imgs


def checking_get_imgs(path, scale, transform=None, multiscale=False, return_orig_img=False):
    img, orig = orig_get_imgs(path, scale, transform, multiscale, True)
    assert orig.size == (scale, scale), (path, orig.size)
    loaded.append(path)
    return (img, orig) if return_orig_img else img


pd_module.get_imgs = checking_get_imgs
failures = 0
for split in ["train", "valid", "test"]:
    kwargs = dict(split=split, transform=identity, imsize=518, llm_type="gpt", structural_cap=True, slip=True,
                  inter_side=True, load_jpg=True, mask_ratio=1.0, mask_meta=0.8)
    try:
        ds = pd_module.EmbedPretrainingDataset(**kwargs)
    except Exception as e:  # an empty split cannot be built (np.unique of nothing is fine, but report it)
        print(f"{split}: cannot build the dataset: {e!r}")
        failures += 1
        continue
    rows = len(ds.df)
    for i in range(len(ds)):
        ds[i]
    print(f"{split}: {rows} 2D rows in the table, {len(ds)} images with captions, read them all")
    failures += rows != len(ds)
captions = [t for t in FakeTokenizer.seen if "Breast composition" in t]
print(f"{len(loaded)} JPEG reads, {len(captions)} structural captions, e.g.:\n{captions[0] if captions else None}")
assert all(re.search(r"BI-RADS Category \d", c) for c in captions)
shutil.rmtree(work)
sys.exit(1 if failures else 0)
