"""The one place that knows which Keras backend runs: device names, determinism, threads.

Everything else uses `keras` / `keras.ops` only, so the same code trains under TensorFlow
on a clinic PC and under JAX (or PyTorch) on a GPU machine.
"""
import os


def name() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def device() -> str:
    """What will train or predict: 'GPU: <name>' or 'CPU (<n> cores)'."""
    backend = name()
    try:
        if backend == "tensorflow":
            tf = import_tensorflow()

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"GPU: {details.get('device_name', gpus[0].name)}"
        elif backend == "jax":
            import jax

            devs = [d for d in jax.devices() if d.platform != "cpu"]
            if devs:
                return f"GPU: {getattr(devs[0], 'device_kind', devs[0].platform)}"
        elif backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"GPU: {torch.cuda.get_device_name(0)}"
    except Exception:
        pass
    return f"CPU ({os.cpu_count()} cores)"


def make_deterministic(seed: int) -> None:
    import keras

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
    """Silence backend start-up chatter before it is imported (the CLI prints its own progress)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def import_tensorflow():
    """TensorFlow (and Keras on it), imported with its C++ start-up lines kept off the terminal:
    they are printed before its own log settings apply, so the process's stderr is pointed at
    nothing for the length of the import."""
    import sys

    if "tensorflow" in sys.modules:
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
            import keras  # noqa: F401  (its backend start-up prints too)

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
    if name() == "tensorflow":
        import_tensorflow()
    import keras

    return keras
