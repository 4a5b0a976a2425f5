"""Who is who in a folder of labelled films: the patients a split must keep together.

A folder names no patients, so a film counted as its own patient let one patient's films, or two
copies of one film, fall on both sides of a split: the test or check figures then measured films
the model had learnt. A DICOM names its patient (PatientID); copies share their bytes. Patient IDs
are kept only as a hash: the split and the card must not carry them.
"""
import hashlib
from collections import Counter, defaultdict
from dataclasses import replace

from covidxray_desktop.files import open_regular, sha256_file
from covidxray_desktop.imaging.detect import sniff

# Written where the ID was removed: these name no one, and would join every film into one patient.
PLACEHOLDERS = {"", "ANONYMOUS", "ANONYMIZED", "ANONYMISED", "ANON", "UNKNOWN", "NONE", "NULL", "N/A", "NA", "0",
                "PATIENT", "TEST", "REMOVED", "DELETED"}
MAX_SHARE = 0.5  # an ID on more of a site's films than this (and on more than 5) is a placeholder too


def grouped(samples, same_bytes) -> tuple[list, str]:
    """(samples, what was found): each sample's patient_id becomes its DICOM patient's (hashed) where
    the file names one, and copies of one film (`same_bytes`: copies()) share one; the rest keep
    their own. The text says how patients were told apart, for the preview and the report."""
    ids = {s.file: _patient_id(s.file) for s in samples}
    counts = Counter(ids.values())
    shared = {pid for pid, n in counts.items() if pid and n > 5 and n > MAX_SHARE * len(samples)}
    named = {f for f, pid in ids.items() if pid and pid not in shared}
    key = {s.file: f"patient {_hashed(ids[s.file])}" if s.file in named else s.patient_id for s in samples}
    copies = set()
    for same in same_bytes:
        for s in same[1:]:
            key[s.file] = key[same[0].file]
            copies.add(s.file)
    out = [replace(s, patient_id=key[s.file]) for s in samples]
    parts = []
    if named:
        parts.append(f"{len(named)} films of {len({key[f] for f in named})} patients by their DICOM PatientID")
    if shared:
        parts.append(f"{sum(counts[p] for p in shared)} films whose PatientID is shared by too many to name a patient")
    if copies - named:
        parts.append(f"{len(copies - named)} copies kept with the film they copy")
    alone = len({s.file for s in samples} - named - copies)
    if alone:
        parts.append(f"{alone} films each counted as a patient of its own (no PatientID)")
    return out, "; ".join(parts)


def _patient_id(path) -> str:
    if sniff(path) != "dicom":
        return ""
    try:
        import pydicom

        ds = pydicom.dcmread(str(path), stop_before_pixels=True, specific_tags=["PatientID"], force=True)
        pid = str(ds.get("PatientID", "") or "").strip()
    except Exception:  # a damaged header: the film is named when it is decoded
        return ""
    return "" if pid.upper() in PLACEHOLDERS else pid


def _hashed(pid: str) -> str:
    return hashlib.sha256(pid.encode("utf-8", "replace")).hexdigest()[:12]


def copies(samples) -> list[list]:
    """Groups of films with identical bytes. Only files of equal size and equal first 64 KB are read
    whole: a site's uncompressed DICOMs of one detector all have one size, and differ early (their
    header's instance UIDs)."""
    groups = [same for same in _alike(samples, _size) if len(same) > 1]
    groups = [same for group in groups for same in _alike(group, _head) if len(same) > 1]
    return [same for group in groups for same in _alike(group, sha256_file) if len(same) > 1]


def _alike(samples, key) -> list[list]:
    by = defaultdict(list)
    for s in samples:
        try:
            by[key(s.file)].append(s)
        except Exception:  # unreadable: named when it is decoded
            continue
    return list(by.values())


def _size(path) -> int:
    return path.stat().st_size


def _head(path) -> bytes:
    with open_regular(path) as fh:  # a named pipe among the films would block
        return hashlib.sha256(fh.read(1 << 16)).digest()
