"""A training or adaptation job's bundle, made out of sight and published whole.

`train` and `adapt` save their bundle, then spend minutes scoring it: its shift reference, its
metrics, its rehearsal store and its report are written after the networks. Made under its final
name, a job killed in those minutes would leave a loadable bundle with no figures and no shift
test, and with --overwrite the earlier bundle would already be gone. So the job works in a hidden
folder beside its target, and `publish` moves everything it wrote there into place as one change
(see commit): until then an earlier bundle of that name stays as it was.
"""
import json
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from covidxray_desktop.errors import CovidXrayError, ModelError
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model import commit

# A stage lives only through a job's scoring, minutes after its epochs; one a day old was abandoned.
STALE_S = 24 * 3600
# What a job killed outright leaves, whatever its name (the window names each job by the hour): its
# stage, or a save cut short before its moment of commit. Never `.NAME.saved`: loading finishes that.
ABANDONED = (".*.staged-*", ".*.saving-*")
PICTURES = (".roc.png", ".curves.png")


class Stage:
    def __init__(self, out_dir, name: str, overwrite: bool):
        self.out_dir, self.name, self.overwrite = Path(out_dir), name, overwrite
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for pattern in ABANDONED:
            for left in self.out_dir.glob(pattern):
                if left.is_dir() and time.time() - left.stat().st_mtime > STALE_S:
                    shutil.rmtree(left, ignore_errors=True)
        # In the target folder, so that publishing is renames on one disk.
        self.folder = Path(tempfile.mkdtemp(dir=self.out_dir, prefix=f".{name}.staged-"))

    def final(self, path) -> Path:
        """Where a file written into the stage will lie once published (what reports should name)."""
        return self.out_dir / Path(path).name

    def publish(self, bundle: bundles.ModelBundle) -> bundles.ModelBundle:
        """Move the staged bundle and everything beside it into the target folder; -> the bundle there."""
        commit.finish(self.out_dir, self.name)
        if not self.overwrite and bundles.taken(self.out_dir, self.name):  # made meanwhile, by another job
            raise ModelError(f"{bundles.taken(self.out_dir, self.name)}: a model of this name appeared while this "
                             f"one was made; choose another name or output folder (or overwrite it on purpose).")
        files = {p.name: p for p in self.folder.iterdir() if p.is_file()}
        replaced = self._replaced()
        commit.together(self.out_dir, self.name, files)
        for left in replaced - set(files):  # the overwritten bundle's, which this one has no use for
            try:
                (self.out_dir / left).unlink(missing_ok=True)
            except OSError:
                pass  # published all the same; a stray file the card does not name is never read
        published = bundles.load(self.final(bundle.path))
        published.model = bundle.model
        return published

    def _replaced(self) -> set[str]:
        """The names of the files of the bundle about to be overwritten, as its card and report name
        them (never a file that merely shares the name's start, such as another bundle's card)."""
        path = self.out_dir / f"{self.name}.keras"
        try:
            card = bundles.read_card(path)
        except (CovidXrayError, OSError, ValueError):
            return set()
        # A renamed copy's card names its original's networks: those are the original's, never removed.
        names = {p.name for p in bundles.ModelBundle(card, path, "").files if p.name.startswith(f"{self.name}.")}
        report = self.out_dir / f"{self.name}.report.json"
        try:
            if Path(json.loads(report.read_text(encoding="utf-8"))["card"]).name == f"{self.name}.json":
                names |= {report.name} | {f"{self.name}{suffix}" for suffix in PICTURES}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return names


@contextmanager
def staged(out_dir, name: str, overwrite: bool = False):
    """A Stage for a job's bundle; its folder goes when the job ends, published or not."""
    stage = Stage(out_dir, name, overwrite)
    try:
        yield stage
    except OSError as exc:  # name where the file was to lie: the stage is gone when the user reads this
        if exc.filename and Path(exc.filename).parent == stage.folder:
            exc.filename = str(stage.final(exc.filename))
        raise
    finally:
        shutil.rmtree(stage.folder, ignore_errors=True)
