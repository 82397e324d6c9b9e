"""
Encodings shared by what writes values (dumpers) and what reads them back (builders).

Kept apart from both so that neither package imports the other: a dump then a rebuild must give
the same content hash, and that only holds while both sides use these functions.

"""

import base64
import binascii

__all__ = ["decode_binary", "encode_binary"]


def encode_binary(value: bytes | bytearray | memoryview) -> str:
    """Binary values as standard base64 text (RFC 4648, with padding), in CSV and JSON alike."""
    return base64.b64encode(value).decode("ascii")


def decode_binary(text: str) -> bytes:
    """The bytes `encode_binary` wrote; raises `ValueError` for anything that is not strict base64."""
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(text) from None
