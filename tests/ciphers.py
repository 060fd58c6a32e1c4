"""A cipher for the tests, named by topic as a store's settings name one (CIPHER_TOPIC)."""

from __future__ import annotations

from itertools import cycle

from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment


class XorCipher(Cipher):
    """Each byte XOR a byte of CIPHER_KEY, in turn: weak, but a real cipher of the interface."""

    def __init__(self, environment: Environment) -> None:
        self.key = (environment.get("CIPHER_KEY") or "").encode()
        if not self.key:
            raise ValueError("CIPHER_KEY is not set")

    def encrypt(self, plaintext: bytes) -> bytes:
        return bytes(byte ^ key for byte, key in zip(plaintext, cycle(self.key), strict=False))

    def decrypt(self, ciphertext: bytes) -> bytes:
        return self.encrypt(ciphertext)
