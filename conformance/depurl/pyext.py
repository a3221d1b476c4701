"""pyproject-external's view of external dependency specifiers, for
conformance/pyproject_external.sh: reads specifiers from stdin, one per line,
and writes one JSON object per line, as conformance/depurl (libvet's side)
does:

    {"input": "...", "ok": true, "canonical": "dep:generic/openssl"}
    {"input": "...", "ok": false, "error": "ValueError: ..."}

Each line goes through pyproject_external.DepURL.from_string (which splits off
a "; marker"), and canonical is its to_string(drop_environment_marker=False).
Empty lines and lines starting with '#' are skipped."""

import json
import logging
import sys

from pyproject_external import DepURL

logging.disable(logging.CRITICAL)  # from_string logs a warning for each invalid marker


def main() -> None:
    for line in sys.stdin:
        line = line.rstrip("\n").rstrip("\r")
        if not line or line.startswith("#"):
            continue
        res = {"input": line}
        try:
            res["canonical"] = DepURL.from_string(line).to_string(drop_environment_marker=False)
            res["ok"] = True
        except Exception as e:  # noqa: BLE001 - any failure is the answer
            res["ok"] = False
            res["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    main()
