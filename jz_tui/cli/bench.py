"""``jz bench``: print each DESIGN.md §6 figure beside its target."""

from __future__ import annotations

import argparse
import json
import sys

from jz_tui.bench import measure as bench
from jz_tui.cli.common import Misuse
from jz_tui.display import text_table
from jz_tui.i18n import t

MAX_SCALE = 20  # twenty standard workloads: 20,000 candidates


def register(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("bench", help="measure the DESIGN.md §6 figures")
    p.add_argument("--json", action="store_true")
    p.add_argument("--scale", type=float, default=1.0, help="scale the standard workload")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    def progress(name: str) -> None:
        print(t("bench_running", name=name), file=sys.stderr, flush=True)

    if not 0 < args.scale <= MAX_SCALE:  # also refuses nan; inf is above the maximum
        raise Misuse("bench_bad_scale", scale=args.scale, max=MAX_SCALE)
    figures = bench.run_all(args.scale, progress)
    if args.json:
        print(json.dumps([f.to_dict() for f in figures], indent=2))
        return 0
    rows = []
    for f in figures:
        # a figure not measured here shows no value and no verdict, and its note says why
        value, mark = (f.value, t("bench_yes") if f.ok else t("bench_no")) if f.measured else ("-", "-")
        rows.append((f.name, value, f.unit, f.target, mark + (f"  {f.note}" if f.note else "")))
    print("\n".join(text_table([t("bench_figure"), t("bench_value"), "", t("bench_target"), t("bench_ok")], rows,
                                right={1})))
    return 0
