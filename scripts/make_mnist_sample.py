"""Make the small MNIST sample shipped in tinygrad_jp/datasets/data/ (deterministic).

    python scripts/make_mnist_sample.py [--source /work/shared/data/mnist]

Picks, with a fixed seed, 500 training and 100 test digits of each class (5,000 + 1,000),
keeps them in their original order, and writes uint8 arrays to mnist_sample.npz. The
archive is written with fixed timestamps, so running the script again gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tinygrad_jp.datasets.mnist import SAMPLE_FILE, load_mnist
from tinygrad_jp.io import write_atomically

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "mnist"
OUT = REPO / "tinygrad_jp" / "datasets" / "data" / SAMPLE_FILE
SEED = 20240601
TRAIN_PER_CLASS, TEST_PER_CLASS = 500, 100
MAX_BYTES = 1_500_000


def pick(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of `per_class` random samples of each class 0..9, in ascending order."""
    chosen = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)]
    return np.sort(np.concatenate(chosen))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed, but with a fixed timestamp per member so the bytes are reproducible;
    written atomically, missing folders made."""

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.ascontiguousarray(array),
                                          allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buffer.getvalue(), compresslevel=9)

    write_atomically(path, write, mkdir=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="IDX files folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=False, flatten=False, root=args.source, download=False
    )
    rng = np.random.default_rng(SEED)
    train_idx = pick(t_train, TRAIN_PER_CLASS, rng)
    test_idx = pick(t_test, TEST_PER_CLASS, rng)
    write_npz(
        args.out,
        {
            "x_train": x_train[train_idx, 0],  # (5000, 28, 28) uint8
            "t_train": t_train[train_idx].astype(np.uint8),  # (5000,)
            "x_test": x_test[test_idx, 0],  # (1000, 28, 28) uint8
            "t_test": t_test[test_idx].astype(np.uint8),  # (1000,)
            # Where each digit comes from in the original files, for anyone checking.
            "train_index": train_idx.astype(np.uint16),
            "test_index": test_idx.astype(np.uint16),
        },
    )
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size:,} bytes): {len(train_idx)} train, {len(test_idx)} test")
    if size > MAX_BYTES:
        raise SystemExit(f"the sample is {size:,} bytes, over the {MAX_BYTES:,} byte budget")


if __name__ == "__main__":
    main()
