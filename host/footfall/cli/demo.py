"""`footfall demo`: replay the bundled run through the real core and coach, and explain it
(footfall.demo runs it and writes the explanation)."""

import argparse
import json

from footfall_core.header import PLACEMENTS

from footfall import demo


def target_arg(text: str) -> str:
    """argparse type for --target: 60-240 spm or "auto"."""
    if text == "auto":
        return text
    try:
        spm = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer or 'auto': {text!r}") from None
    if not 60 <= spm <= 240:
        raise argparse.ArgumentTypeError(f"{spm} spm is outside 60-240")
    return text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="replay the bundled run through the step core and the cadence coach",
        description="Run the real core and coach over a running recording and explain the "
        "steps, cadence, impacts and every cue.",
    )
    parser.add_argument(
        "--recording", metavar="CSV", help="t_ms,ax,ay,az recording (default: the bundled run)"
    )
    parser.add_argument(
        "--target",
        type=target_arg,
        default="auto",
        metavar="SPM",
        help="target cadence, or 'auto': the runner's baseline + 7.5%% (default auto)",
    )
    parser.add_argument("--placement", choices=PLACEMENTS, default="waist")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    rec = demo.load_recording(args.recording)
    run = demo.run_demo(rec, args.placement, demo.coach_config(args.target))
    print(json.dumps(demo.to_json(run), separators=(",", ":")) if args.json else demo.summary(run))
    return 0
