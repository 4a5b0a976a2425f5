"""`forget --before YYYY-MM-DD`: delete stored results (and queue entries) recorded before a date."""
import datetime as dt


def add_arguments(f) -> None:
    f.add_argument("--before", metavar="YYYY-MM-DD", required=True)
    f.add_argument("--dry-run", action="store_true", help="say how many results would go, and delete nothing")
    f.add_argument("--db", metavar="FILE")


def run(args) -> int:
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.store import Store, default_path, parse_day

    day = parse_day(args.before)  # before opening anything: a bad date deletes nothing
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    if day > tomorrow:  # 2062 typed for 2026 would delete every result
        raise UsageError(f"--before {day} is a day still to come; nothing was deleted. To delete every stored "
                         f"result, give tomorrow's date ({tomorrow}).")
    store = Store(args.db or default_path(), create=False)
    try:
        if args.dry_run:
            print(f"{store.count_before(day)} stored results were recorded before {day} in {store.path}; "
                  f"nothing was deleted (--dry-run).")
            return 0
        n = store.forget(day)
        print(f"deleted {n} stored results recorded before {day} (that day's own are kept) from {store.path}. "
              f"Files written from them (CSV, PDF reports, heat-map pictures, which are named after the films) "
              f"are not touched: delete those where they were saved.")
    finally:
        store.close()
    return 0
