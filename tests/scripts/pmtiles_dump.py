"""Reads a PMTiles archive with the `pmtiles` Python package (an independent reader) and dumps it.

Usage: python3 pmtiles_dump.py ARCHIVE.pmtiles OUTDIR
Writes OUTDIR/header.json (the header, with tile_type and tile_compression as names),
OUTDIR/metadata.json (the archive's JSON metadata) and OUTDIR/Z-X-Y.mvt for every tile, decompressed
when the header says gzip. Prints the number of tiles.
"""
import gzip
import json
import os
import sys

from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression

archive, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
with open(archive, "rb") as f:
    reader = Reader(MmapSource(f))
    header = reader.header()
    compression = header["tile_compression"]
    h = {k: (v.name if hasattr(v, "name") else v) for k, v in header.items()}
    with open(os.path.join(out, "header.json"), "w") as o:
        json.dump(h, o)
    with open(os.path.join(out, "metadata.json"), "w") as o:
        json.dump(reader.metadata(), o)
    n = 0
    for (z, x, y), data in all_tiles(reader.get_bytes):
        if compression == Compression.GZIP:
            data = gzip.decompress(data)
        with open(os.path.join(out, f"{z}-{x}-{y}.mvt"), "wb") as o:
            o.write(data)
        n += 1
print(n)
