"""Lines the commands print: progress (done / total, rate, time left) and metric summaries."""
import sys
import time


class Progress:
    """One line rewritten in place on a terminal; into a file or a pipe (a log), only the last,
    without the carriage returns. `start`: when the work began, if before the first step."""

    def __init__(self, total: int, quiet: bool = False, what: str = "files", start: float | None = None):
        self.total, self.quiet, self.what = total, quiet, what
        self.start = self.last = time.perf_counter() if start is None else start
        self.done = 0
        self.live = not quiet and sys.stderr.isatty()

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if not self.live or (now - self.last < 0.5 and self.done < self.total):
            return
        self.last = now
        print(f"\r{self._line(now)} ", end="", file=sys.stderr, flush=True)

    def _line(self, now: float) -> str:
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else 0
        return f"{self.done}/{self.total} {self.what}  {rate:.1f}/s  {_clock(left)} left"

    def close(self) -> float:
        now = time.perf_counter()
        if self.done and self.live:
            print(file=sys.stderr)
        elif self.done and not self.quiet:
            print(self._line(now), file=sys.stderr)
        return self.done / max(now - self.start, 1e-9)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def metrics_line(name: str, m: dict) -> str:
    def f(key):
        v = m.get(key)
        return "-" if v is None else f"{v:.3f}"

    rejected = m.get("rejected")
    refused = "" if rejected is None else " refused " + (", ".join(f"{k} {v}" for k, v in rejected.items())
                                                         if isinstance(rejected, dict) else str(rejected))
    return (f"{name:>9}: n={m.get('n', 0)} AUC {f('auc')} {m.get('auc_ci95') or ''} bal.acc {f('balanced_accuracy')} "
            f"sens {f('sensitivity')} spec {f('specificity')} ECE {f('ece')}{refused}")
