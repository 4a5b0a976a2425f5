"""The one place that knows which Keras backend runs: device names, determinism, threads.

Everything else uses `keras` / `keras.ops` only, so the same code trains under TensorFlow
on a clinic PC and under JAX (or PyTorch) on a GPU machine.
"""
import importlib.util
import os
import sys
import threading
from functools import lru_cache

# Which backend trains when the user has not said (KERAS_BACKEND): the first of these that has a
# GPU; TensorFlow on the processor when none has one. TensorFlow first: it is what the app ships
# with. PyTorch next: its CUDA wheels are the GPU route on Windows, where TensorFlow has none.
GPU_ORDER = ("tensorflow", "torch", "jax")
# The user's own choice, read before anything here sets the variable (load_keras fills it in).
USER_CHOICE = os.environ.get("KERAS_BACKEND") or None
# Importing TensorFlow and building Keras networks touch process-wide state (half-made modules,
# layer names, seed generators): threads that do so (a training job, a device check run in
# process) take turns through this lock.
NETWORKS = threading.RLock()


def name() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def installed(candidates=GPU_ORDER) -> tuple:
    return tuple(b for b in candidates if importlib.util.find_spec(b) is not None)


def has_gpu(backend: str) -> bool:
    """Whether this backend, as installed, sees a GPU (imports it: call before keras only)."""
    return gpu_name(backend, keras_too=False) is not None


def gpu_name(backend: str, keras_too: bool = True) -> str | None:
    """The first GPU this backend sees, by name; None without one, or when a broken or half-installed
    GPU stack cannot say (it trains nothing). keras_too=False: TensorFlow without Keras."""
    try:
        if backend == "tensorflow":
            tf = import_tensorflow(keras_too)
            gpus = tf.config.list_physical_devices("GPU")
            if not gpus:
                return None
            try:
                return tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)
            except Exception:  # the device is there even when its details are not
                return gpus[0].name
        if backend == "torch":
            import torch

            return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        if backend == "jax":
            import jax

            devs = [d for d in jax.devices() if d.platform != "cpu"]
            return getattr(devs[0], "device_kind", devs[0].platform) if devs else None
    except Exception:
        return None
    return None


def choose(available, gpu=has_gpu, requested: str | None = None) -> tuple[str, str]:
    """-> (backend, why). `available`: the backends installed (or a function that lists them, asked
    only when the user has not chosen); `gpu(backend)` says whether one
    sees a GPU; `requested`: the user's KERAS_BACKEND, which always wins."""
    if requested:
        return requested, "KERAS_BACKEND"
    available = available() if callable(available) else available
    for candidate in GPU_ORDER:
        if candidate in available and gpu(candidate):
            return candidate, "the first with a GPU"
    if "tensorflow" in available:
        return "tensorflow", "no GPU found"
    for candidate in GPU_ORDER:
        if candidate in available:
            return candidate, "no GPU found; TensorFlow is not installed"
    return "tensorflow", "no backend installed"


def pick_for_training() -> str:
    """Settle the backend that will train, before keras is first imported, and say why: the
    user's KERAS_BACKEND, else the first installed backend with a GPU, else TensorFlow on the
    processor. Once keras is imported its backend is fixed: that one is kept."""
    global _why
    if "keras" in sys.modules:
        _why = _why or ("KERAS_BACKEND" if USER_CHOICE else "the one already loaded")
        return name()
    chosen, _why = choose(installed, has_gpu, USER_CHOICE)
    os.environ["KERAS_BACKEND"] = chosen
    return chosen


_why: str | None = None


def chosen_because() -> str | None:
    """Why pick_for_training chose its backend (None when it was not asked)."""
    return _why


def described() -> str:
    """'Keras on JAX' and the like, for events and the dialog."""
    label = {"tensorflow": "TensorFlow", "torch": "PyTorch", "jax": "JAX"}.get(name(), name())
    return f"Keras on {label}"


def device() -> str:
    """What will train or predict: 'GPU: <name>' or 'CPU (<n> cores)'."""
    gpu = gpu_name(name())
    return f"GPU: {gpu}" if gpu else f"CPU ({os.cpu_count()} cores)"


@lru_cache(maxsize=None)
def _on_gpu(backend: str) -> bool:
    return device().startswith("GPU")


def on_gpu() -> bool:
    """Whether the loaded backend trains on a GPU (asked once per backend)."""
    return _on_gpu(name())


def scoring_batch() -> int:
    """Films per forward pass when scoring many: large on a GPU (few launches), 64 on a CPU
    (bigger only costs memory there) and without Keras (the light runtime: no device to ask)."""
    return 512 if "keras" in sys.modules and on_gpu() else 64


def make_deterministic(seed: int) -> None:
    import keras

    if name() != "tensorflow" and "tensorflow" not in sys.modules and installed(("tensorflow",)):
        # keras.utils.set_random_seed seeds TensorFlow too wherever it is installed: imported here
        # first, quietly, its start-up lines stay off the terminal under the other backends.
        import_tensorflow(keras_too=False)
    keras.utils.set_random_seed(seed)
    if name() == "tensorflow":
        import_tensorflow().config.experimental.enable_op_determinism()


def precision(choice: str = "auto") -> str:
    """The Keras dtype policy to train with: bfloat16 compute on a GPU, float32 on a CPU.

    Mixed precision halves memory traffic on GPU tensor cores; on a CPU it only slows down.
    The model's last layer is float32 in either case, and bundles are always saved in float32.
    """
    if choice == "auto":
        return "mixed_bfloat16" if device().startswith("GPU") else "float32"
    return {"mixed": "mixed_bfloat16", "float32": "float32"}[choice]


def quiet() -> None:
    """Silence backend start-up chatter before it is imported (the CLI prints its own progress).
    KERAS_BACKEND is left as the user set it (or unset): training picks one by the devices."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def import_tensorflow(keras_too: bool = True):
    """TensorFlow (and Keras on it), imported with its C++ start-up lines kept off the terminal:
    they are printed before its own log settings apply, so the process's stderr is pointed at
    nothing for the length of the import. keras_too=False: TensorFlow alone (to look for a GPU
    before the Keras backend is settled)."""
    if "tensorflow" in sys.modules and (not keras_too or "keras" in sys.modules):
        return sys.modules["tensorflow"]
    quiet()
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr (a windowed app): nothing to hide
        import tensorflow

        return tensorflow
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow

            if keras_too:
                import keras  # its backend start-up prints too

                # oneDNN announces itself at the first operation, not at import: run one now.
                ones = keras.ops.ones((1, 4, 4, 1))
                keras.ops.convert_to_numpy(keras.ops.conv(ones, keras.ops.ones((3, 3, 1, 1))) + keras.ops.matmul(
                    keras.ops.ones((2, 2)), keras.ops.ones((2, 2)))[0, 0])
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    tensorflow.get_logger().setLevel("ERROR")  # "retracing" notes and the like are not for users
    return tensorflow


def load_keras():
    """Keras on the chosen backend, imported once, quietly: call before any other `import keras`."""
    os.environ.setdefault("KERAS_BACKEND", name())  # not keras.json's: the one this module names
    if name() == "tensorflow":
        import_tensorflow()
    import keras

    return keras
