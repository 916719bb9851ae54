"""Documents as the reference reads them (text mode, universal newlines), the tokenizer, the built-in names."""

import hashlib

import pytest

from microgpt import DatasetError, Tokenizer, builtin_names, documents


def reference_docs(tmp_path, data):
    """What the reference's `[line.strip() for line in open('input.txt') if line.strip()]` gives, read as UTF-8."""
    path = tmp_path / 'input.txt'
    path.write_bytes(data)
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]


@pytest.mark.parametrize('data', [
    b'emma\nolivia\n',
    b'emma\r\nolivia\r\n\r\n  ava  \n',
    b'old\rmac\rstyle',
    b'\n\n  \t\n',
    b'a\x0cb\nc\x1cd\ne\xe2\x80\xa8f\n\xc2\x85g\n',  # form feed, \x1c, U+2028, U+0085: not line ends in text mode
    b'\xef\xbb\xbfbom\n',  # a BOM stays, as reading UTF-8 (not utf-8-sig) keeps it
    b'no newline at end',
    'zoë\nchloé\n日本\n'.encode(),
])
def test_documents_are_the_reference_lines(tmp_path, data):
    expected = reference_docs(tmp_path, data)
    if expected:
        assert documents(data) == expected
        assert documents(data.decode('utf-8')) == expected
    else:
        with pytest.raises(DatasetError, match='no non-blank lines'):
            documents(data)


def test_not_utf8_is_refused_with_the_offset():
    with pytest.raises(DatasetError, match=r'not UTF-8 text \(invalid byte 0xe9 at offset 3\)'):
        documents(b'zo\n\xe9\n')


def test_binary_is_refused():
    with pytest.raises(DatasetError, match='not a text file'):
        documents(b'name\nbin\x00ary\n')


def test_builtin_names_are_makemores():
    data = builtin_names()
    assert hashlib.md5(data).hexdigest() == '401b3c4cac9e28a586ed15e81256680d'
    docs = documents(data)
    assert len(docs) == 32033 and docs[0] == 'emma'


def test_tokenizer_ids_are_sorted_characters_then_bos():
    tok = Tokenizer.from_documents(['bca', 'ab'])
    assert tok.chars == ['a', 'b', 'c'] and tok.BOS == 3 and tok.vocab_size == 4
    assert tok.encode('cab') == [3, 2, 0, 1, 3]
    assert tok.decode([2, 0, 1]) == 'cab'
