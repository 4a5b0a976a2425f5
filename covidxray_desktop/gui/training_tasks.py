"""What the training dialog's worker threads run: the data preview, the device check and the job.

Calls into the core, no widgets: each takes its gui.worker.Job first and returns a value.
"""
from covidxray_desktop.training.estimate import preview, probe_apart


def preview_task(w, data, seed, adapting, token):
    try:
        return dict(preview(data, seed, adapting), token=token)
    except Exception as exc:  # shown in the preview, beside the token it belongs to
        return {"token": token, "error": exc}


def probe_task(w, arch):
    return probe_apart(arch, _Flag(w))  # apart: it imports TensorFlow, which would freeze the window


class _Flag:
    """threading.Event's is_set() over a worker's abort request."""

    def __init__(self, w):
        self.w = w

    def is_set(self):
        return self.w.aborting()


def job_task(w, session, kind, data, settings):
    from covidxray_desktop import backend

    session.on_event = w.tell  # the job's events travel with its end, in order, and never touch a widget
    with backend.NETWORKS:  # one job at a time builds networks in this process
        return _run_job(session, kind, data, settings)


def _run_job(session, kind, data, settings):
    session.running = True
    if kind == "adapt":
        from covidxray_desktop.training.adapt import adapt

        return adapt(data, settings["out"], settings["name"], base=settings["base"], epochs=settings["epochs"],
                     seed=settings["seed"], on_event=session.emit, cancelled=session.stopping,
                     sensitivity=settings["sensitivity"])
    from covidxray_desktop.training.job import train

    return train(data, arch=settings["arch"], epochs=settings["epochs"], out_dir=settings["out"],
                 name=settings["name"], seed=settings["seed"], on_event=session.emit, cancelled=session.stopping)
