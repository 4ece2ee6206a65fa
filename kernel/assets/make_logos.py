"""Draw the kernelspec logos (a ladder on a rounded blue square) as 32 and 64 px PNGs.

Run from this folder: python3 make_logos.py. Only the standard library is needed.
"""
import struct
import zlib

BLUE = (37, 99, 235)
WHITE = (255, 255, 255)


def pixel(x, y, size):
    """Colour (RGBA) of one pixel, drawn in a 64-unit design space."""
    u, v = (x + 0.5) * 64 / size, (y + 0.5) * 64 / size
    # Rounded square: radius 12 units.
    cx, cy = min(max(u, 12), 52), min(max(v, 12), 52)
    if (u - cx) ** 2 + (v - cy) ** 2 > 144:
        return (0, 0, 0, 0)
    rail = 18 <= u <= 24 or 40 <= u <= 46
    in_height = 8 <= v <= 56
    rung = 24 < u < 40 and any(r <= v <= r + 5 for r in (14, 26, 38, 50))
    if in_height and (rail or rung):
        return WHITE + (255,)
    return BLUE + (255,)


def png(size):
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size)
    )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


for size in (32, 64):
    with open(f"logo-{size}x{size}.png", "wb") as f:
        f.write(png(size))
