"""A training or adaptation job's bundle, made out of sight and published whole.

`train` and `adapt` save their bundle, then spend minutes scoring it: its shift reference, its
metrics, its rehearsal store and its report are written after the networks. Made under its final
name, a job killed in those minutes would leave a loadable bundle with no figures and no shift
test, and with --overwrite the earlier bundle would already be gone. So the job works in a hidden
folder beside its target, and `publish` moves everything it wrote there into place as one change
(see commit): until then an earlier bundle of that name stays as it was.
"""
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from covidxray_desktop.errors import ModelError
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model import commit

# A stage lives only through a job's scoring, minutes after its epochs; one a day old was abandoned.
STALE_S = 24 * 3600


class Stage:
    def __init__(self, out_dir, name: str, overwrite: bool):
        self.out_dir, self.name, self.overwrite = Path(out_dir), name, overwrite
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for left in self.out_dir.glob(f".{name}.staged-*"):  # of a job killed outright, days ago
            if time.time() - left.stat().st_mtime > STALE_S:
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
        commit.together(self.out_dir, self.name, files)
        for suffix in bundles.WRITTEN_BESIDE:  # an overwritten bundle's files that this one has no use for
            if f"{self.name}{suffix}" not in files:
                (self.out_dir / f"{self.name}{suffix}").unlink(missing_ok=True)
        published = bundles.load(self.final(bundle.path))
        published.model = bundle.model
        return published


@contextmanager
def staged(out_dir, name: str, overwrite: bool = False):
    """A Stage for a job's bundle; its folder goes when the job ends, published or not."""
    stage = Stage(out_dir, name, overwrite)
    try:
        yield stage
    finally:
        shutil.rmtree(stage.folder, ignore_errors=True)
