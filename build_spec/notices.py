"""Third-party notices for the frozen app, made from the installed packages' own metadata.

Called from covidxray.spec with the files PyInstaller collected: each file is traced to the
distribution that installed it (its RECORD), so the notices list exactly what ships. The
build fails if a GPL-only (not LGPL) distribution or a known GPL decoder would ship.

Also usable by hand: `python build_spec/notices.py OUT.txt DIST [DIST ...]`.
"""
import importlib.metadata as md
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Never ship these: GPL decoders (they would make the app GPL), test-only tools.
FORBIDDEN = {
    "pylibjpeg-libjpeg": "GPL-3.0 JPEG decoder",
    "pyjpegls": "only used to write test files",
    "pytest": "test tool", "hypothesis": "test tool",
}
# Their run-time parts (bootloader, loader, run-time hooks) ship under licence exceptions.
BUILD_TOOLS = {"pyinstaller", "pyinstaller-hooks-contrib"}
LICENCE_FILE = re.compile(r"^(licen[cs]e|copying|notice|authors|third_party_notices)", re.I)
QT_NOTE = """\
Qt 6 and PySide6/Shiboken6 (The Qt Company) are used under the GNU Lesser General Public
License version 3 (LGPL-3.0; full text below, with the GPL-3.0 it builds on). This app links
them dynamically: they are the separate PySide6/ and shiboken6/ files in this folder, and you
may replace them with your own build of the same Qt/PySide6 version. Their source code is at
https://download.qt.io/official_releases/ and https://code.qt.io/cgit/pyside/pyside-setup.git/
(tag v{version}); should they no longer be there, ask whoever gave you this build for a copy.
"""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# A package that names its licence nowhere in its metadata (namex) still carries the text: its words say
# which. Copyleft first (a GPL file that quotes an MIT notice is the GPL's), Lesser before General.
LICENCE_WORDS = ((r"GNU LESSER GENERAL PUBLIC LICENSE", "LGPL"), (r"GNU GENERAL PUBLIC LICENSE", "GPL"),
                 (r"Mozilla Public License,?\s+(v\.\s*|Version\s+)?2\.0", "MPL-2.0"),
                 (r"Apache License,?\s+Version 2\.0", "Apache-2.0"),
                 (r"Permission is hereby granted, free of charge", "MIT"),
                 (r"Redistribution and use in source and binary forms", "BSD"))


def licence_of(dist: md.Distribution) -> str:
    meta = dist.metadata
    expr = meta.get("License-Expression")
    if expr:
        return expr.strip()
    text = (meta.get("License") or "").strip()
    if text and len(text) < 120 and "\n" not in text:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(classifiers) or (text.splitlines()[0][:120] if text else _licence_by_its_text(dist))


def _licence_by_its_text(dist: md.Distribution) -> str:
    for f in licence_files(dist):
        words = _read(dist, f)
        for pattern, name in LICENCE_WORDS:
            if re.search(pattern, words, re.I):
                return f"{name} (by its licence text)"
    return "unknown"


def _read(dist: md.Distribution, f) -> str:
    try:
        return Path(dist.locate_file(f)).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def is_gpl_only(licence: str) -> bool:
    """GPL with no LGPL or permissive alternative ("LGPL-3.0-only OR GPL-3.0-only" is fine)."""
    def kind(option):
        if re.search(r"LGPL|Lesser General Public", option, re.I):
            return "lgpl"
        return "gpl" if re.search(r"GPL|General Public License", option, re.I) else "other"

    kinds = {kind(o) for o in re.split(r"\s+OR\s+|;", licence) if o.strip()}
    return kinds == {"gpl"}


def licence_files(dist: md.Distribution) -> list:
    """The licence texts a distribution carries: its License-File entries, else files named so."""
    files = list(dist.files or [])
    declared = set(dist.metadata.get_all("License-File") or [])
    chosen = []
    for f in files:
        parts = Path(str(f)).parts
        in_info = parts[0].endswith((".dist-info", ".egg-info"))
        if in_info and (parts[-1] in declared or "/".join(parts[2:]) in declared or LICENCE_FILE.match(parts[-1])):
            chosen.append(f)
        elif not in_info and LICENCE_FILE.match(parts[-1]) and len(parts) <= 2 and not str(f).endswith(".py"):
            chosen.append(f)  # e.g. tensorflow/THIRD_PARTY_NOTICES.txt
    return chosen


class Owners:
    """Absolute file path -> the installed distribution that wrote it (from every RECORD)."""

    def __init__(self):
        self.by_path = {}
        for dist in md.distributions():
            for f in dist.files or []:
                try:
                    self.by_path[str(Path(dist.locate_file(f)).resolve())] = dist
                except (OSError, ValueError):
                    continue

    def owner(self, path) -> md.Distribution | None:
        try:
            return self.by_path.get(str(Path(path).resolve()))
        except (OSError, ValueError):
            return None


def from_toc(entries, project_root=None) -> tuple[dict, list]:
    """PyInstaller TOC entries (dest, src, typecode) -> ({dist name: Distribution}, paths of
    files from neither a distribution, nor Python itself, nor this project: system libraries)."""
    owners = Owners()
    ours = [Path(p).resolve() for p in (sys.base_prefix, sys.prefix, project_root) if p]
    dists, unowned = {}, []
    for entry in entries:
        src = entry[1]
        if not src or not Path(src).is_file():
            continue
        dist = owners.owner(src)
        if dist is not None:
            if _norm(dist.metadata["Name"]) not in BUILD_TOOLS:
                dists[dist.metadata["Name"]] = dist
        elif not any(p in ours for p in Path(src).resolve().parents):
            unowned.append(src)
    return dists, sorted(set(unowned))


def system_packages(paths) -> dict:
    """Debian-family systems: library path -> (package, its copyright file text)."""
    import shutil
    import subprocess

    if not paths or not shutil.which("dpkg-query"):
        return {}
    found = {}
    for path in paths:
        real = Path(path).resolve()
        for candidate in dict.fromkeys([str(path), str(real), str(real).replace("/usr/lib/", "/lib/", 1)]):
            out = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
            if out.returncode == 0 and ": " in out.stdout:
                package = out.stdout.split(": ", 1)[0].split(",")[0].split(":")[0].strip()
                copyright = Path("/usr/share/doc") / package / "copyright"
                text = copyright.read_text(encoding="utf-8", errors="replace") if copyright.is_file() else ""
                found[path] = (package, text)
                break
    return found


def _python_licence() -> str:
    for base in (sys.base_prefix, sys.prefix):
        for rel in (f"lib/python{sys.version_info.major}.{sys.version_info.minor}/LICENSE.txt", "LICENSE.txt"):
            p = Path(base) / rel
            if p.is_file():
                return p.read_text(encoding="utf-8", errors="replace")
    return "Python Software Foundation License Version 2: https://docs.python.org/3/license.html\n"


def _block(title: str, body: str) -> str:
    return f"{'=' * 78}\n{title}\n{'=' * 78}\n{body.rstrip()}\n\n"


def model_block(card_path) -> str:
    """The bundled model's training data and their licences, from its card."""
    import json

    card = json.loads(Path(card_path).read_text(encoding="utf-8"))
    lines = [f"Model {_ident(card_path) or 'UNREADABLE BUNDLE'} ({Path(card_path).name})"]
    # A card keeps its data's provenance with its training record (older cards: at the top).
    said = {"provenance": (card.get("training") or {}).get("provenance") or card.get("provenance"),
            "intended_use": card.get("intended_use"), "disclaimer": card.get("disclaimer")}
    for key, value in said.items():
        if value:
            value = value if isinstance(value, str) else json.dumps(value, indent=1)
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    lines.append("The weights were trained on data several of whose licences are non-commercial: "
                 "they are for research use only and are not a diagnostic device.")
    return _block("The bundled default model and its training data", "\n\n".join(lines))


def _ident(card_path) -> str | None:
    """The name the app shows for the model (its About page, every CSV row and report); None when the
    bundle cannot be read here (the build stops: a name from the card alone can be stale)."""
    try:
        from covidxray_desktop.model.bundle import load

        return load(Path(card_path).with_suffix(".keras")).ident
    except Exception:
        return None


def render(dists: dict, unowned=(), project_licence: Path | None = None, model_card=None,
           weights_notices=()) -> tuple[str, list[str]]:
    """The notices text and a list of reasons the build must stop (empty when fine)."""
    problems = []
    out = ["Third-party software in this build of covidxray\n",
           "Generated at build time from the metadata of the packages that were bundled.\n\n"]
    rows = []
    for name in sorted(dists, key=str.lower):
        dist = dists[name]
        licence = licence_of(dist)
        rows.append(f"  {name} {dist.version}: {licence}")
        if _norm(name) in {_norm(k) for k in FORBIDDEN}:
            problems.append(f"{name} must not ship ({FORBIDDEN.get(name) or FORBIDDEN.get(_norm(name))})")
        elif is_gpl_only(licence):
            problems.append(f"{name} {dist.version} is GPL-only ({licence}); it would make the app GPL")
    out.append("Summary (package version: licence)\n" + "\n".join(
        ["  Python " + sys.version.split()[0] + ": PSF-2.0", *rows,
         "  PyInstaller bootloader and loader: GPL-2.0-or-later with the bootloader exception"
         " (the bundled program may use any licence)",
         "  pyinstaller-hooks-contrib run-time hooks: Apache-2.0"]) + "\n\n")
    if project_licence and project_licence.is_file():
        out.append(_block("covidxray itself", project_licence.read_text(encoding="utf-8")))
        # The fonts the PDF reports embed ship in resources/fonts/ with their licences.
        for extra in sorted((Path(project_licence).parent / "resources" / "fonts").glob("LICENSE-*.txt")):
            out.append(_block(f"Font: {extra.stem[len('LICENSE-'):]}", extra.read_text(encoding="utf-8")))
    if model_card and Path(model_card).is_file():
        out.append(model_block(model_card))
        if "\nProvenance: " not in out[-1]:  # its data's licences must travel with the weights
            problems.append(f"{model_card} names no provenance for the model's training data")
        if "UNREADABLE BUNDLE" in out[-1]:
            problems.append(f"{model_card}: its bundle cannot be read, so the notices cannot name the model")
    for notice in weights_notices:  # pretrained weights shipped as data (their own licences)
        if not Path(notice).is_file():
            problems.append(f"{notice} is missing: shipped weights need their notice")
        else:
            out.append(_block("Pretrained weights: " + Path(notice).parent.name, Path(notice).read_text(encoding="utf-8")))
    qt = next((d for n, d in dists.items() if _norm(n).startswith("pyside6")), None)
    if qt is not None:
        texts = "".join(_block(f"{t} (full text)", (HERE / "licenses" / f"{t}.txt").read_text(encoding="utf-8"))
                        for t in ("LGPL-3.0", "GPL-3.0") if (HERE / "licenses" / f"{t}.txt").is_file())
        if not texts:
            problems.append("the LGPL-3.0/GPL-3.0 texts for Qt are missing from build_spec/licenses/")
        out.append(_block("Qt 6 / PySide6 / Shiboken6 (LGPL-3.0)", QT_NOTE.format(version=qt.version)))
        out.append(texts)
    out.append(_block(f"Python {sys.version.split()[0]}", _python_licence()))
    for name in sorted(dists, key=str.lower):
        dist = dists[name]
        meta = dist.metadata
        head = [f"{name} {dist.version}", f"Licence: {licence_of(dist)}"]
        for key in ("Home-page", "Author", "Author-email"):
            if meta.get(key):
                head.append(f"{key}: {meta[key]}")
        body = []
        for f in licence_files(dist):
            try:
                text = Path(dist.locate_file(f)).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            body.append(f"--- {f} ---\n{text.rstrip()}\n")
        if not body:
            body.append("(the package carries no licence file; licence as stated above)\n")
        out.append(_block("\n".join(head), "\n".join(body)))
    if unowned:
        packages = system_packages(unowned)
        for path in unowned:
            if re.match(r"lib(readline|history)\b", Path(path).name):
                problems.append(f"{Path(path).name} is GPL; exclude the module that needs it")
        lines = ["These shared libraries come from the build machine's operating system, each under its own",
                 "licence (permissive, LGPL, or GPL with the GCC runtime library exception):"]
        lines += [f"  {Path(u).name}" + (f"  (package {packages[u][0]})" if u in packages else "") for u in unowned]
        out.append(_block("Libraries copied from the build system", "\n".join(lines)))
        texts = {}
        for package, text in packages.values():
            if text:
                texts[package] = text
        for package in sorted(texts):
            out.append(_block(f"{package} (operating system package): copyright", texts[package]))
    return "".join(out), problems


def write(path, dists: dict, unowned=(), project_licence=None, model_card=None, weights_notices=()) -> list[str]:
    text, problems = render(dists, unowned, project_licence, model_card, weights_notices)
    Path(path).write_text(text, encoding="utf-8")
    return problems


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    chosen = {d: md.distribution(d) for d in sys.argv[2:]}
    issues = write(sys.argv[1], chosen, project_licence=HERE.parent / "LICENSE",
                   model_card=HERE.parent / "resources" / "models" / "default.json",
                   weights_notices=[HERE.parent / "resources" / "backbones" / "NOTICE.md"])
    for issue in issues:
        print(f"notices: {issue}", file=sys.stderr)
    sys.exit(1 if issues else 0)
