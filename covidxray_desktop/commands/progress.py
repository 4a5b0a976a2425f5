"""Lines the commands print: progress (done / total, rate, time left) and metric summaries."""
import sys
import time


class Progress:
    def __init__(self, total: int, quiet: bool = False, what: str = "files"):
        self.total, self.quiet, self.what = total, quiet, what
        self.start = self.last = time.perf_counter()
        self.done = 0

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self.quiet or (now - self.last < 0.5 and self.done < self.total):
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else 0
        print(f"\r{self.done}/{self.total} {self.what}  {rate:.1f}/s  {_clock(left)} left ",
              end="", file=sys.stderr, flush=True)

    def close(self) -> float:
        if not self.quiet and self.done:
            print(file=sys.stderr)
        return self.done / max(time.perf_counter() - self.start, 1e-9)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def metrics_line(name: str, m: dict) -> str:
    def f(key):
        v = m.get(key)
        return "-" if v is None else f"{v:.3f}"

    return (f"{name:>9}: n={m.get('n', 0)} AUC {f('auc')} {m.get('auc_ci95') or ''} bal.acc {f('balanced_accuracy')} "
            f"sens {f('sensitivity')} spec {f('specificity')} ECE {f('ece')} rejected {m.get('rejected', {})}")
