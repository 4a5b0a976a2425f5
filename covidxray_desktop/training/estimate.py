"""Before a training job: its data preview and how long it will take on this machine (no Qt)."""
import threading
import time

from covidxray_desktop.training.dataset import CLASSES, SPLITS


def preview(data, seed: int, adapting: bool = False) -> dict:
    """Counts per split and class name, split exactly as the job will split them (same seed);
    adapting: the adaptation ('train') and check ('test') parts of `training.adapt`."""
    from covidxray_desktop.training import adapt, dataset

    samples, described = dataset.discover(data)  # raises DataError with a readable reason
    samples = adapt.split(samples, seed) if adapting else dataset.patient_split(samples, seed)
    counts = {split: dict.fromkeys(CLASSES, 0) for split in SPLITS}
    for s in samples:
        counts[s.split][CLASSES[s.label]] += 1
    return {"described": described, "counts": counts, "sources": sorted({s.source for s in samples})}


def probe(arch: str, abort: threading.Event) -> dict:
    """The device that will train, and what one training image costs on it, in seconds.

    Timed rather than guessed: one warm-up step (it traces the graph), then two steps of the
    real network and recipe (augmentation included) on random batches of the recipe's size.
    A network with a frozen trunk is timed as the job trains it: trunk once per copy, then the top.
    On a GPU this runs in float32, so it overstates a mixed-precision run a little.
    """
    from covidxray_desktop import backend

    # Not while a job imports or builds in another thread: two threads importing TensorFlow at
    # once find its modules half made.
    with backend.NETWORKS:
        backend.pick_for_training()  # the backend the job will pick, before keras is imported
        backend.load_keras()
        return _timed(arch, abort)


def probe_apart(arch: str, abort) -> dict:
    """probe() in a process of its own, for the window: importing TensorFlow and tracing a network
    hold Python's lock for up to a second at a time, which froze the dialog that asked. `abort`
    (is_set()) stops the process at once; an error it raised comes back as itself."""
    import multiprocessing

    from covidxray_desktop.imaging.isolate import end

    context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt
    mine, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_probe_in, args=(theirs, arch), daemon=True, name="covidxray-probe")
    process.start()
    theirs.close()  # only the child holds that end now: if it dies, poll() sees the end of the pipe
    try:
        try:
            while not mine.poll(0.2):
                if abort.is_set():
                    return {"arch": arch, "device": None, "backend": None, "seconds_per_image": None}
            status, value = mine.recv()
        except Exception:  # it died (EOF; a broken pipe on Windows), or sent what cannot be read back
            process.join(5.0)
            raise OSError(f"the check's process stopped before it answered (exit status {process.exitcode})") from None
    finally:
        end(process)
        mine.close()
    if status == "raised":
        raise value
    return value


def _probe_in(conn, arch: str) -> None:
    try:
        reply = ("ok", probe(arch, threading.Event()))
    except BaseException as exc:  # comes back to the window as a value
        reply = ("raised", exc)
    try:
        conn.send(reply)
    except Exception as exc:  # what cannot be pickled comes back as its words
        what = reply[1] if reply[0] == "raised" else exc
        conn.send(("raised", RuntimeError(f"{type(what).__name__}: {what}")))
    conn.close()


def _timed(arch: str, abort: threading.Event) -> dict:
    import numpy as np

    from covidxray_desktop import backend
    from covidxray_desktop.model.architectures import SPECS, build, compile_for_training
    from covidxray_desktop.training.fit import (COPIES, augmentation, frozen_split, step_input, trunk_cached,
                                                with_augmentation)
    from covidxray_desktop.training.trunk import Trunk

    device = backend.device()
    stopped = {"arch": arch, "device": device, "backend": backend.described(), "seconds_per_image": None}
    if abort.is_set():  # the dialog closed while this waited for a job
        return stopped
    spec = SPECS[arch]
    rng = np.random.default_rng(0)
    images = rng.random((spec["batch"], spec["size"], spec["size"]), dtype=np.float32)
    y = np.zeros((len(images), 2 if spec["output"] == "softmax" else 1), np.float32)
    y[:, 0] = 1
    model = build(arch)
    split = frozen_split(model) if trunk_cached(spec) else None
    if split:  # the trunk's pass over the copies is timed after the augmentation, as the job runs it
        augmented, trunk, stepper = augmentation(spec, 0) if spec["augment"] else None, Trunk(split[0]), split[1]
    else:
        augmented, trunk, stepper = None, None, with_augmentation(model, spec, 0) if spec["augment"] else model
    if abort.is_set():  # building takes seconds: a closing dialog need not wait for the timing too
        return stopped
    compile_for_training(stepper, arch, epochs=16, steps_per_epoch=100)
    x_in = step_input(images, spec)
    times = []
    for _ in range(3):
        if abort.is_set():
            return stopped
        t0 = time.perf_counter()
        x = x_in if augmented is None else np.asarray(augmented.predict_on_batch(x_in))
        x = x if trunk is None else trunk(x).astype(np.float32)
        t1 = time.perf_counter()
        stepper.train_on_batch(x, y)
        # A pretrained network's frozen layers (and the augmentation before them) run once per
        # cached copy on a CPU, COPIES of them shared by the 16 epochs; in every step otherwise.
        times.append((t1 - t0) * (COPIES / 16) + time.perf_counter() - t1)
    return {"arch": arch, "device": device, "backend": backend.described(), "seconds_per_image": min(times[1:]) / len(images)}


def estimate_s(seconds_per_image: float, epochs: int, n_train: int, n_all: int) -> float:
    """The whole job: the epochs, plus decoding every image once and scoring val and test at
    the end, which together cost about two training passes over all images (16 default epochs
    on the shared data took 6.3 min on a 2-core CPU, of which 5.3 min were training steps)."""
    return seconds_per_image * (epochs * n_train + 2 * n_all)
