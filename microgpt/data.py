"""The dataset and the tokenizer: documents from text, and characters to token ids and back.

The reference reads `input.txt` with `open()` in text mode and keeps each stripped, non-blank line. `documents()` does
the same for text from anywhere (a file on disk, a file picked in the browser), so one file gives the same documents
in the terminal and in the page. Text mode means universal newlines: `\\r\\n`, `\\r` and `\\n` end a line and nothing
else does, which is not what `str.splitlines()` does (it also splits on form feeds, `\\x1c`, `\\u2028`, ...).

The built-in dataset is makemore's `names.txt`, shipped inside the package; the reference downloads it, we never do.
"""

from importlib import resources

MAX_DATASET_BYTES = 50 * 1024 * 1024  # the page's limit too: a larger file is refused before it is read


class DatasetError(ValueError):
    """Text that cannot be a dataset; the message says why and what to do."""


def documents(data):
    """The documents of a dataset, given as `str` or as UTF-8 `bytes`: its stripped, non-blank lines, in order."""
    text = decode(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
    lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    docs = [line.strip() for line in lines if line.strip()]
    if not docs:
        raise DatasetError("the dataset has no non-blank lines: "
                           "give a text file with one document (e.g. a name) per line")
    return docs


def decode(data):
    """Text from UTF-8 bytes, refusing what is not text rather than guessing an encoding."""
    try:
        text = bytes(data).decode('utf-8')
    except UnicodeDecodeError as e:
        raise DatasetError(f"the dataset is not UTF-8 text (invalid byte 0x{data[e.start]:02x} at offset {e.start}): "
                           "save it as UTF-8 plain text") from None
    if '\0' in text:
        raise DatasetError(f"the dataset is not a text file (NUL byte at offset {text.index(chr(0))}): "
                           "give a plain text file with one document per line")
    return text


def builtin_names():
    """The built-in dataset: 32,033 names from karpathy/makemore (commit 988aa59), one per line."""
    return resources.files(__package__).joinpath('names.txt').read_bytes()


class Tokenizer:
    """Each distinct character of the documents is a token; one more token, BOS, marks where a document begins and
    ends."""

    def __init__(self, chars):
        self.chars = list(chars)             # token id -> character, sorted: the ids are the reference's
        self.ids = {ch: i for i, ch in enumerate(self.chars)}
        self.BOS = len(self.chars)           # token id for a special Beginning of Sequence (BOS) token
        self.vocab_size = len(self.chars) + 1  # total number of unique tokens, +1 is for BOS

    @classmethod
    def from_documents(cls, docs):
        return cls(sorted(set(''.join(docs))))  # unique characters in the dataset become token ids 0..n-1

    def encode(self, doc):
        """A document as token ids, surrounded by BOS on both sides."""
        return [self.BOS] + [self.ids[ch] for ch in doc] + [self.BOS]

    def decode(self, token_ids):
        return ''.join(self.chars[i] for i in token_ids)
