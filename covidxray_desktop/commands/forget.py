"""`forget --before YYYY-MM-DD`: delete stored results (and queue entries) recorded before a date."""


def add_arguments(f) -> None:
    f.add_argument("--before", metavar="YYYY-MM-DD", required=True)
    f.add_argument("--db", metavar="FILE")


def run(args) -> int:
    from covidxray_desktop.store import Store, default_path, parse_day

    day = parse_day(args.before)  # before opening anything: a bad date deletes nothing
    store = Store(args.db or default_path(), create=False)
    try:
        n = store.forget(day)
        print(f"deleted {n} stored results recorded before {day} (that day's own are kept) from {store.path}. "
              f"Files written from them (CSV, PDF reports, heat-map pictures, which are named after the films) "
              f"are not touched: delete those where they were saved.")
    finally:
        store.close()
    return 0
