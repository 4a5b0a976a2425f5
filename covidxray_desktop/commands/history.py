"""`history` and `forget`: read and prune the results store."""
import csv
import datetime as dt
import io
import sys


def run(args) -> int:
    from covidxray_desktop.commands.classify import COLUMNS, csv_row
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.model.bundle import write_text_atomic
    from covidxray_desktop.store import Store, default_path

    day = args.before if args.command == "forget" else args.since
    if day:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            raise UsageError(f"{day!r} is not a date; use YYYY-MM-DD")
    store = Store(args.db or default_path())
    try:
        if args.command == "forget":
            n = store.forget(day)
            print(f"deleted {n} stored results recorded before {day} from {store.path}")
            return 0
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(COLUMNS)
        for stored in store.history(day):
            writer.writerow(csv_row(stored, anonymise=args.anonymise))
        if args.csv:
            write_text_atomic(args.csv, text.getvalue())  # an export is whole or absent
        else:
            sys.stdout.write(text.getvalue())
    finally:
        store.close()
    return 0
