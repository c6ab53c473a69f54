"""What a module keeps to itself (a name starting with "_") stays there.

A private name another module needs is made public where it belongs; ruff
(SLF001) finds private attributes reached through an object, this finds
private names imported from another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_imports_a_private_name_of_another() -> None:
    found = []
    for package in ("desktop", "db"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("desktop", "db"):
                    found += [
                        f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{alias.name}"
                        for alias in node.names
                        if alias.name.startswith("_") and not alias.name.startswith("__")
                    ]
    assert not found, "\n".join(found)
