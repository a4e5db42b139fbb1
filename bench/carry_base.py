"""Pack the packaged MiniLM small enough to travel to a GPU machine, and unpack it there.

    .venv/bin/python -m bench.carry_base pack DIR     # here: about 33 MB instead of 91
    python3 -m bench.carry_base unpack DIR OUT        # there: a model folder for --base

A GPU machine lent for a training run reaches no model hub and takes a working tree of 64 MiB at
most, while the packaged model's float32 weights alone are 91 MB. Packed: the transformer tensors
in float16 and the word-embedding table as int8 with a scale per row (frozen in training, and
the shipped delta never holds it: serving reads the table from the package). A delta trained on
the unpacked model differs from one trained on the package by float16 rounding of the base.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vectorstore.finetuned import from_int8_rows, int8_rows  # noqa: E402  (numpy only: runs on the GPU machine)

WORDS = "embeddings.word_embeddings.weight"
KEEP = ("config.json", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json",
        "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "1_Pooling/config.json")


def pack(src: Path, out: Path) -> None:
    from safetensors.numpy import load_file, save_file

    weights = load_file(str(src / "model.safetensors"))
    words = [k for k in weights if k.endswith(WORDS)]
    q, scale = int8_rows(weights.pop(words[0]).astype(np.float32))
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.astype(np.float16) for k, v in weights.items()}, str(out / "weights.fp16.safetensors"))
    save_file({"q": q, "s": scale}, str(out / "words.int8.safetensors"), metadata={"name": words[0]})
    _copy_config(src, out)


def unpack(src: Path, out: Path) -> None:
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    weights = {k: v.astype(np.float32) for k, v in load_file(str(src / "weights.fp16.safetensors")).items()}
    with safe_open(str(src / "words.int8.safetensors"), "np") as f:
        weights[f.metadata()["name"]] = from_int8_rows(f.get_tensor("q"), f.get_tensor("s"))
    out.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(out / "model.safetensors"))
    _copy_config(src, out)


def _copy_config(src: Path, out: Path) -> None:
    """The model folder's files other than its weights (:data:`KEEP`), as they are."""
    for name in KEEP:
        if (src / name).exists():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src / name, out / name)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="verb", required=True)
    p = sub.add_parser("pack")
    p.add_argument("out", type=Path)
    p.add_argument("--src", type=Path, default=None, help="default: the packaged MiniLM")
    u = sub.add_parser("unpack")
    u.add_argument("src", type=Path)
    u.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    if args.verb == "pack":
        if args.src is None:
            from vectorstore.embeddings import packaged_model_path

            args.src = Path(packaged_model_path())
        pack(args.src, args.out)
    else:
        unpack(args.src, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
