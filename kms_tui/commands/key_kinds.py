"""The kinds ``kms-tui create`` makes: every key type ckms 5.26 creates, checked against its source.

* symmetric (``ckms sym keys create --algorithm``, ``create_utils.rs: SymmetricAlgorithm`` and
  ``prepare_sym_key_elements``): AES (128/192/256 offered: the sizes a FIPS server accepts),
  ChaCha20 (256, non-FIPS), SHA3 (224/256/384/512 → SHA3224…), SHAKE (128/256 → SHAKE128/256);
  FPE-FF1 (``ckms fpe keys create``: ``fpe/keys/create_key.rs``, 256 bits);
* RSA (``ckms rsa keys create --size_in_bits``, default 4096 there; 2048 here);
* EC (``ckms ec keys create --curve``, ``create_utils.rs: Curve``): nist-p256/p384/p521, and on a
  non-FIPS server x25519, x448, secp256k1, secp224k1; ed25519/ed448 are their own kinds here.
  P-192 and P-224 are not ckms curves but Cosmian's server creates them (``create_key_pair.rs``).

Usage masks are those a FIPS server accepts (``kms_tui.kmip.models.requests``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

# kind → (help, CryptographicAlgorithm by size, sizes offered, default size)
SYMMETRIC: dict[str, tuple[str, dict[int, str], int]] = {
    "aes": ("AES symmetric key", {128: "AES", 192: "AES", 256: "AES"}, 256),
    "chacha20": ("ChaCha20 symmetric key (non-FIPS servers)", {256: "ChaCha20"}, 256),
    "sha3": ("SHA3 key (HMAC-SHA3)", {224: "SHA3224", 256: "SHA3256", 384: "SHA3384", 512: "SHA3512"}, 256),
    "shake": ("SHAKE key", {128: "SHAKE128", 256: "SHAKE256"}, 256),
    "fpe": ("FPE-FF1 key (format-preserving encryption, non-FIPS servers)", {256: "FPE_FF1"}, 256),
}
RSA_SIZES = (2048, 3072, 4096)
EC_CURVES = ("p256", "p384", "p521", "p224", "p192", "secp256k1", "secp224k1", "x25519", "x448")
FIPS_CURVES = ("p224", "p256", "p384", "p521")
PAIRS = {
    "rsa": "RSA key pair",
    "ec": "elliptic-curve key pair (NIST P curves; secp256k1, X25519, X448 on non-FIPS servers)",
    "ed25519": "Ed25519 key pair (non-FIPS servers)",
    "ed448": "Ed448 key pair (non-FIPS servers)",
}


def symmetric(kind: str, size: int) -> tuple[str, int]:
    """(CryptographicAlgorithm, length in bits) of a symmetric kind."""
    return SYMMETRIC[kind][1][size], size


def register_kinds(kinds: Any, run_create: Callable[[argparse.Namespace], int]) -> None:
    """Add every key kind under ``kms-tui create``."""
    for kind, help_ in PAIRS.items():
        k = kinds.add_parser(kind, help=help_, description=help_)
        if kind == "rsa":
            k.add_argument("--size", type=int, choices=RSA_SIZES, default=2048, help="bits (default 2048)")
        elif kind == "ec":
            k.add_argument(
                "--curve",
                type=str.lower,
                choices=EC_CURVES,
                default="p256",
                help="default p256; " + ", ".join(FIPS_CURVES) + " on a FIPS server",
            )
        _common(k, run_create)
    for kind, (help_, by_size, default) in SYMMETRIC.items():
        k = kinds.add_parser(kind, help=help_, description=help_)
        if len(by_size) > 1:
            k.add_argument(
                "--size", type=int, choices=tuple(by_size), default=default, help=f"bits (default {default})"
            )
        else:
            k.set_defaults(size=default)
        _common(k, run_create)


def _common(k: argparse.ArgumentParser, run_create: Callable[[argparse.Namespace], int]) -> None:
    k.set_defaults(func=run_create, writes=True)
    k.add_argument("--tag", action="append", default=[], help="repeatable")
    k.add_argument("--name")
