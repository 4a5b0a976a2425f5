"""`info`: version, runtimes, the active model and where things are kept; no TensorFlow unless asked."""
import platform


def add_arguments(i) -> None:
    i.add_argument("--devices", action="store_true", help="also ask the training backend which device it would "
                                                          "train on (loads TensorFlow: a few seconds)")


def run(args) -> int:
    from importlib.metadata import PackageNotFoundError, version

    from covidxray_desktop import DISCLAIMER, __version__, backend
    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.logs import log_dir
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.paths import default_model, user_data_dir
    from covidxray_desktop.store import default_path

    def have(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    print(f"covidxray {__version__} (Python {platform.python_version()}, {platform.system()})")
    print(f"classifies with: ONNX Runtime {have('onnxruntime')} on the CPU")
    print(f"trains with: Keras {have('keras')} on {backend.name()}"
          + (f", device: {backend.device()}" if getattr(args, "devices", False) else " (loaded only to train)"))
    from covidxray_desktop.model.export import quantiser_missing
    from covidxray_desktop.model.runtime import int8_arithmetic

    missing, arithmetic = quantiser_missing(), int8_arithmetic()
    why = "this processor's int8 arithmetic saturates" if arithmetic == "saturates" else arithmetic
    if missing:
        saves = f"in float ({missing})"
    elif arithmetic == "exact":
        saves = "in float, and in int8 where its masks match"
    else:
        saves = f"in float only ({why})"
    runs = ("in int8 where the model has it (this processor's int8 arithmetic is exact)" if arithmetic == "exact"
            else f"in float ({why})")
    print(f"saves its lung segmenter: {saves}\nruns its lung segmenter: {runs}")
    from covidxray_desktop.imaging.png import DEFLATE

    print(f"writes heat-map PNGs with: {DEFLATE}")
    print(f"default model: {default_model()}")
    broken = False
    try:
        bundle = load(default_model())
        card = bundle.card
        test = card.get("metrics", {}).get("test", {})
        figures = ", ".join(f"{name} {test[key]:.3f}" for name, key in (("test AUC", "auc"), ("sensitivity",
                            "sensitivity"), ("specificity", "specificity")) if test.get(key) is not None)
        print(f"  {bundle.ident}: {figures or 'no test figures'}, threshold {card['threshold']:.4f}")
    except CovidXrayError as exc:  # said, and the rest still listed; the exit status tells a script
        print(f"  cannot be used: {exc}")
        broken = True
    print(f"user data: {user_data_dir()}")
    print(f"results store: {default_path()}")
    print(f"log: {log_dir() / 'covidxray.log'}")
    print(f"DICOM decoders: {_decoders()}")
    print(DISCLAIMER)
    return 1 if broken else 0


def _decoders() -> str:
    try:
        from pydicom.pixels.decoders.base import get_decoder
        from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit, JPEGLosslessSV1, JPEGLSLossless, RLELossless
    except ImportError:
        return "pydicom missing"
    parts = []
    for uid in (JPEGBaseline8Bit, JPEGLosslessSV1, JPEGLSLossless, JPEG2000Lossless, RLELossless):
        plugins = get_decoder(uid).available_plugins
        parts.append(f"{uid.name.split(' (')[0].split(' Image')[0]}: {', '.join(plugins) or 'none'}")
    return "; ".join(parts)
