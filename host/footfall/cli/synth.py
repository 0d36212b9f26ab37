"""`python -m footfall.cli.synth --out CSV`: write the synthetic demo run (footfall.synth)
and its step times beside it; how tests/data/synthetic_run.csv is made."""

import argparse
import sys
from pathlib import Path

from footfall_core.header import PLACEMENTS

from footfall import synth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m footfall.cli.synth",
        description="Write the synthetic demo run (stand, walk, run with a cadence sag, walk).",
    )
    parser.add_argument("--out", type=Path, required=True, help="CSV to write")
    parser.add_argument("--seed", type=int, default=synth.DEMO_SEED)
    parser.add_argument("--rate", type=int, default=100, help="sample rate in Hz")
    parser.add_argument("--placement", choices=PLACEMENTS, default="waist")
    args = parser.parse_args(argv)
    rec = synth.synthesize(synth.demo_segments(), args.rate, args.placement, args.seed)
    steps_path = synth.write_csv(rec, args.out)
    print(f"{args.out}: {len(rec.t_ms)} samples, {len(rec.steps_ms)} steps -> {steps_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
