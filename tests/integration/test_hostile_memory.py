"""Hostile images are refused with bounded memory, measured in a fresh process.

Every file of Pillow's own test images (decompression bombs, fuzzer crashes,
truncated and odd files) goes through ``fingerprint`` in one child process;
the child reports how far its peak resident memory (Linux's VmHWM) rose
above what it held after importing Veil. A bomb that slipped past the header
check would decode hundreds of megapixels and show here at once.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import CORPUS

PILLOW = CORPUS / "real" / "pillow-images"
BOMBS = ("decompression_bomb.gif", "decompression_bomb.ico", "bmp__b__reallybig.bmp", "png_decompression_dos.png")
# The whole corpus, hostile files included, needs about 50 MB above the imports.
LIMIT_MB = 200

PROBE = """
import json, sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")  # Pillow warns about every odd header, on purpose here

def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM")

from desktop.domain.ingest import MediaRef
from desktop.core.media.hashes import fingerprint

base = peak_mb()
results = {}
for path in sorted(Path(sys.argv[1]).iterdir()):
    ref = fingerprint(path, MediaRef(uri=path.as_uri()))
    results[path.name] = {"preview": ref.preview is not None, "error": ref.error, "rise_mb": peak_mb() - base}
print(json.dumps(results))
"""


def test_every_pillow_test_image_costs_bounded_memory() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(PILLOW)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert len(results) == len(list(PILLOW.iterdir()))
    for name, result in results.items():
        assert result["preview"] != bool(result["error"]), (name, result)  # a preview or a reason, never both
    for name in BOMBS:
        assert results[name]["error"], name
    assert "decompression bomb" in results["decompression_bomb.gif"]["error"]
    worst = max(results.items(), key=lambda item: item[1]["rise_mb"])
    assert worst[1]["rise_mb"] < LIMIT_MB, worst
