"""The CPython side of `cargo bench -p ladder-stdlib --bench lfs`: the same 100,000 rows and six
labelling functions as the Rhai side, applied in a plain loop. Prints
`cpython_s <best seconds> votes <per-LF sums>` so the two sides can be checked to agree, then
`cpython_regex_s <best seconds> votes <sum>` for one regular-expression LF over the same rows."""
import re
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
WORDS = ["great", "awful", "fine", "boring", "superb", "meh"]
rows = [
    {"stars": i % 6, "text": f"the film was {WORDS[(i // 6) % 6]} overall", "length": (i * 37) % 200}
    for i in range(N)
]
lfs = [
    lambda r: 1 if r["stars"] > 3 else -1,
    lambda r: 0 if r["stars"] < 2 else -1,
    lambda r: 1 if "great" in r["text"] else -1,
    lambda r: 0 if "awful" in r["text"] else -1,
    lambda r: 1 if r["length"] > 150 else -1,
    lambda r: 0 if r["length"] < 20 else -1,
]
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    L = [[f(r) for f in lfs] for r in rows]
    best = min(best, time.perf_counter() - start)
sums = [sum(row[j] for row in L) for j in range(len(lfs))]
print(f"cpython_s {best:.4f} votes {' '.join(map(str, sums))} python {sys.version.split()[0]}")

pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else "(?i)gr[e]at|superb")
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    votes = [1 if pattern.search(r["text"]) else -1 for r in rows]
    best = min(best, time.perf_counter() - start)
print(f"cpython_regex_s {best:.4f} votes {sum(votes)}")
