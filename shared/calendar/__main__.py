"""Operations' calendar tool: ``python -m shared.calendar show|load``.

``show [--year Y]``: the data version, the years known, and a year's holidays and make-up working days.
``load --year Y --file notice.json [--target PATH]``: validate an official year's schedule (the JSON entry
of ``shared/calendar/data.py``: ``source``, ``holidays``, ``make_up_working_days``) and write it into the
operator's schedule file (``--target``, default ``$HUKOU_CALENDAR_OVERRIDES``). Nothing is written when the
entry is invalid; the message names what is wrong. Exit status 0 on success, 2 on invalid input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from shared.calendar.data import OPERATOR_FILE_ENV, CalendarDataError, operator_file, write_operator_year
from shared.calendar.working_days import CalendarYearUnknown, load_calendar


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.calendar", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="the calendar data version and the years it knows")
    show.add_argument("--year", type=int)
    load = sub.add_parser("load", help="validate an official year's schedule and write it")
    load.add_argument("--year", type=int, required=True)
    load.add_argument("--file", type=Path, required=True, help="JSON: source, holidays, make_up_working_days")
    load.add_argument(
        "--target", type=Path, help=f"the operator's schedule file (default ${OPERATOR_FILE_ENV})"
    )
    args = parser.parse_args(argv)

    if args.command == "show":
        cal = load_calendar()
        print(f"data version: {cal.data_version}")
        print(f"years known: {cal.known_years[0]}–{cal.known_years[-1]} ({len(cal.known_years)})")
        if args.year is not None:
            try:
                sched = cal.schedule(args.year)
            except CalendarYearUnknown as e:
                print(str(e), file=sys.stderr)
                return 2
            print(f"{args.year} source: {sched.source}")
            print("holidays: " + ", ".join(d.isoformat() for d in sorted(sched.holidays)))
            print(
                "make-up working days: "
                + ", ".join(d.isoformat() for d in sorted(sched.make_up_working_days))
            )
        return 0

    target = args.target or operator_file()
    if target is None:
        print(f"no target: pass --target or set {OPERATOR_FILE_ENV}", file=sys.stderr)
        return 2
    try:
        entry = json.loads(args.file.read_text(encoding="utf-8"))
        if not isinstance(entry, dict):
            raise CalendarDataError(
                "the file must hold one JSON object: source, holidays, make_up_working_days"
            )
        version = write_operator_year(target, args.year, entry)
    except (OSError, json.JSONDecodeError, CalendarDataError) as e:
        print(f"not loaded: {e}", file=sys.stderr)
        return 2
    print(f"loaded {args.year} into {target}; calendar data version now {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
