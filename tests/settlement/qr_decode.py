"""A small QR code reader for tests: finds the symbol in a rendered image, samples its modules, reads the
format information, removes the mask and decodes numeric, alphanumeric and byte segments.

There is no QR decoder in the project's environment (no zbar, no OpenCV), so the tests carry this one. It
has no error correction (a clean rendering needs none): a wrong module makes it fail, never guess. The
standard tables (RS block sizes, alignment pattern positions) come from the ``qrcode`` package; the
reading itself (format BCH, mask, module order, de-interleaving, segments) is independent of the encoder.
"""

from __future__ import annotations

from PIL import Image
from qrcode.base import rs_blocks
from qrcode.util import pattern_position

_G15 = 0b10100110111
_G15_MASK = 0b101010000010010
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_MASKS = [
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i * j) % 3 + (i + j) % 2) % 2 == 0,
]


class QRDecodeError(ValueError):
    pass


def _bch_format(data: int) -> int:
    d = data << 10
    while d.bit_length() >= _G15.bit_length():
        d ^= _G15 << (d.bit_length() - _G15.bit_length())
    return ((data << 10) | d) ^ _G15_MASK


def sample(img: Image.Image) -> list[list[bool]]:
    """The module matrix (True = dark) of the one QR symbol in ``img`` (quiet zone around it)."""
    g = img.convert("L")
    w, h = g.size
    px = g.load()
    assert px is not None
    dark = [[px[x, y] < 128 for x in range(w)] for y in range(h)]  # type: ignore[operator]
    ys = [y for y in range(h) if any(dark[y])]
    xs = [x for x in range(w) if any(dark[y][x] for y in ys)]
    if not ys:
        raise QRDecodeError("no dark pixels")
    x0, x1, y0, y1 = xs[0], xs[-1], ys[0], ys[-1]
    # The top row of the top-left finder pattern is 7 dark modules; edge rows may be anti-aliased, so take
    # the longest run among the first rows.
    run = 0
    for y in range(y0, min(y0 + 6, y1)):
        start = next((x for x in range(x0, x1 + 1) if dark[y][x]), x1)
        k = 0
        while start + k <= x1 and dark[y][start + k]:
            k += 1
        run = max(run, k)
    if run < 7:
        raise QRDecodeError("no finder pattern at the top left")
    module = run / 7.0
    n = round((x1 - x0 + 1) / module)
    if (n - 17) % 4 or n < 21:
        raise QRDecodeError(f"{n} modules is not a QR size")
    module = (x1 - x0 + 1) / n
    return [
        [dark[int(y0 + (r + 0.5) * module)][int(x0 + (c + 0.5) * module)] for c in range(n)] for r in range(n)
    ]


def _function_modules(version: int) -> list[list[bool]]:
    n = 17 + 4 * version
    f = [[False] * n for _ in range(n)]

    def box(r0: int, c0: int, r1: int, c1: int) -> None:
        for r in range(max(r0, 0), min(r1, n - 1) + 1):
            for c in range(max(c0, 0), min(c1, n - 1) + 1):
                f[r][c] = True

    box(0, 0, 8, 8)  # finder, separator, format information
    box(0, n - 8, 8, n - 1)
    box(n - 8, 0, n - 1, 8)
    box(6, 0, 6, n - 1)  # timing patterns
    box(0, 6, n - 1, 6)
    pos = pattern_position(version)
    for r in pos:
        for c in pos:
            if (r, c) in ((pos[0], pos[0]), (pos[0], pos[-1]), (pos[-1], pos[0])):
                continue
            box(r - 2, c - 2, r + 2, c + 2)
    if version >= 7:
        box(0, n - 11, 5, n - 9)
        box(n - 11, 0, n - 9, 5)
    return f


def decode_matrix(m: list[list[bool]]) -> str:
    n = len(m)
    version = (n - 17) // 4
    # Format information, the copy along column 8 (bit i at rows 0-5, 7, 8, then n-7 … n-1).
    rows = [0, 1, 2, 3, 4, 5, 7, 8] + [n - 15 + i for i in range(8, 15)]
    raw = sum(int(m[r][8]) << i for i, r in enumerate(rows))
    best = min(range(32), key=lambda v: bin(_bch_format(v) ^ raw).count("1"))
    if bin(_bch_format(best) ^ raw).count("1") > 3:
        raise QRDecodeError("format information unreadable")
    ec_bits, mask_id = best >> 3, best & 7
    mask = _MASKS[mask_id]
    func = _function_modules(version)
    bits: list[int] = []
    col, upward = n - 1, True
    while col > 0:
        if col == 6:
            col -= 1
        for r in range(n - 1, -1, -1) if upward else range(n):
            for c in (col, col - 1):
                if not func[r][c]:
                    bits.append(int(m[r][c]) ^ int(mask(r, c)))
        upward = not upward
        col -= 2
    codewords = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]
    ec_level = {0b01: 1, 0b00: 0, 0b11: 3, 0b10: 2}[ec_bits]  # qrcode's ERROR_CORRECT_* constants
    blocks = rs_blocks(version, ec_level)
    data_blocks: list[list[int]] = [[] for _ in blocks]
    it = iter(codewords)
    for i in range(max(b.data_count for b in blocks)):
        for k, b in enumerate(blocks):
            if i < b.data_count:
                data_blocks[k].append(next(it))
    data = [x for blk in data_blocks for x in blk]
    stream = "".join(f"{x:08b}" for x in data)
    pos = 0

    def take(k: int) -> int:
        nonlocal pos
        v = int(stream[pos : pos + k] or "0", 2)
        pos += k
        return v

    small = version <= 9
    out = b""
    while pos + 4 <= len(stream):
        mode = take(4)
        if mode == 0:
            break
        if mode == 0b0100:  # byte
            count = take(8 if small else 16)
            out += bytes(take(8) for _ in range(count))
        elif mode == 0b0010:  # alphanumeric
            count = take(9 if small else 11)
            s = ""
            for _ in range(count // 2):
                v = take(11)
                s += _ALNUM[v // 45] + _ALNUM[v % 45]
            if count % 2:
                s += _ALNUM[take(6)]
            out += s.encode()
        elif mode == 0b0001:  # numeric
            count = take(10 if small else 12)
            s = ""
            for _ in range(count // 3):
                s += f"{take(10):03d}"
            rest = count % 3
            if rest:
                s += f"{take(4 if rest == 1 else 7):0{rest}d}"
            out += s.encode()
        else:
            raise QRDecodeError(f"unsupported segment mode {mode:04b}")
    return out.decode("utf-8")


def decode(img: Image.Image) -> str:
    return decode_matrix(sample(img))
