"""The AVX check that runs before TensorFlow is imported: fake cpuinfo texts, no real CPU needed."""
import subprocess
import sys
from pathlib import Path

import pytest

from covidxray_desktop import cpu

MODERN = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) CPU
flags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 sse4_1 sse4_2 popcnt xsave avx f16c avx2 fma
bugs\t\t: spectre_v1

processor\t: 1
flags\t\t: fpu sse sse2 avx avx2
"""
OLD = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ss ht tm pbe syscall nx lm
  constant_tsc pni dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cx16 xtpr pdcm sse4_1 xsave lahf_lm
"""
# A flag that merely starts with "avx" is not AVX itself.
LOOKALIKE = "processor\t: 0\nflags\t\t: sse2 avx512_vnni_lookalike avxvnni\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n"


def test_flags_are_read_from_the_first_processor():
    assert "avx2" in cpu.flags_from_cpuinfo(MODERN)
    assert cpu.avx_from_cpuinfo(MODERN) is True
    assert cpu.avx_from_cpuinfo(OLD) is False
    assert cpu.avx_from_cpuinfo(LOOKALIKE) is False
    assert cpu.avx_from_cpuinfo(ARM) is False
    assert cpu.avx_from_cpuinfo("") is None
    assert cpu.avx_from_cpuinfo("processor : 0\nmodel name : something\n") is None


def test_macos_feature_strings():
    assert cpu.avx_from_sysctl("FPU VME DE SSE SSE2 SSE3 SSSE3 SSE4.1 SSE4.2 XSAVE OSXSAVE AVX1.0 RDRAND")
    assert not cpu.avx_from_sysctl("FPU VME DE SSE SSE2 SSE3 SSSE3 SSE4.1")


@pytest.mark.parametrize("features, expected", [
    ({cpu.PF_AVX_INSTRUCTIONS_AVAILABLE, cpu.PF_XSAVE_ENABLED, cpu.PF_SSSE3_INSTRUCTIONS_AVAILABLE}, True),
    ({cpu.PF_XSAVE_ENABLED, cpu.PF_SSSE3_INSTRUCTIONS_AVAILABLE}, False),  # a modern Windows on an old CPU
    (set(), False),                                                      # no XSAVE: no usable AVX
    ({cpu.PF_XSAVE_ENABLED}, None),                                      # a Windows too old to know the numbers
])
def test_windows_feature_numbers(features, expected):
    assert cpu.PF_AVX_INSTRUCTIONS_AVAILABLE == 39
    assert cpu.avx_from_windows(lambda f: f in features) is expected


def fake_cpuinfo(monkeypatch, tmp_path, text):
    path = tmp_path / "cpuinfo"
    path.write_text(text)
    monkeypatch.setenv("COVIDXRAY_CPUINFO", str(path))
    monkeypatch.setattr(cpu.sys, "platform", "linux")
    monkeypatch.setattr(cpu.platform, "machine", lambda: "x86_64")


def test_problem_on_an_old_cpu_only(monkeypatch, tmp_path):
    fake_cpuinfo(monkeypatch, tmp_path, OLD)
    assert "AVX" in cpu.problem()
    fake_cpuinfo(monkeypatch, tmp_path, MODERN)
    assert cpu.problem() is None
    fake_cpuinfo(monkeypatch, tmp_path, "")
    assert cpu.problem() is None  # cannot tell: let TensorFlow try
    fake_cpuinfo(monkeypatch, tmp_path, ARM)
    monkeypatch.setattr(cpu.platform, "machine", lambda: "aarch64")  # arm64 wheels need no AVX
    assert cpu.problem() is None


def test_unreadable_cpuinfo_is_not_a_refusal(monkeypatch, tmp_path):
    fake_cpuinfo(monkeypatch, tmp_path, OLD)
    monkeypatch.setenv("COVIDXRAY_CPUINFO", str(tmp_path / "missing"))
    assert cpu.has_avx() is None


def test_commands_that_need_tensorflow_refuse_on_an_old_cpu_and_the_rest_run(monkeypatch, tmp_path, capsys):
    """The command table says which commands load TensorFlow; only those are refused."""
    from covidxray_desktop import cli

    fake_cpuinfo(monkeypatch, tmp_path, OLD)
    shown = []
    monkeypatch.setattr(cpu, "report", lambda message: shown.append(message) or 2)
    assert cpu.check() == 2 and "AVX" in shown[0]
    needs = {name for name, c in cli.COMMANDS.items() if c.tensorflow}
    assert needs == {"train", "adapt", "rehearsal", "bench", "export"}
    assert cli.main(["train", str(tmp_path)]) == 2 and cli.main(["adapt", str(tmp_path), "--out", "x.keras"]) == 2
    from covidxray_desktop.store import Store

    Store(tmp_path / "r.db").close()  # history reads a store; it never makes one
    assert cli.main(["history", "--db", str(tmp_path / "r.db")]) == 0  # classifying, history, info: no TensorFlow
    # ... unless asked to: then they too are refused in a sentence, not killed by TensorFlow's import
    shown.clear()
    assert cli.main(["info", "--devices"]) == 2 and "AVX" in shown[0]
    assert cli.main(["evaluate", str(tmp_path), "--runtime", "keras"]) == 2 and len(shown) == 2
    fake_cpuinfo(monkeypatch, tmp_path, MODERN)
    assert cpu.check() is None


def test_report_in_text(capsys):
    assert cpu.report(cpu.MESSAGE) == 2
    err = capsys.readouterr().err
    assert err.startswith("covidxray: ") and "AVX" in err and err.count("\n") == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="COVIDXRAY_CPUINFO is read on Linux only")
def test_the_entry_refuses_before_tensorflow_is_imported(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(OLD)
    code = ("import sys, runpy; sys.argv = ['covidxray', 'train', 'data']\n"
            "try:\n    runpy.run_module('covidxray_desktop', run_name='__main__')\n"
            "except SystemExit as e:\n    print('exit', e.code, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    env = {"COVIDXRAY_CPUINFO": str(path), "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, cwd=root)
    assert out.stdout.strip() == "exit 2 False False", out.stderr
    assert "AVX" in out.stderr and out.stderr.count("\n") == 1


@pytest.mark.parametrize("entry", ["entry_app.py", "entry_cli.py"])
def test_the_installed_apps_entry_scripts_start_the_same_command_line(entry):
    """The frozen executables run these scripts; they must call the entry as it is today."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, str(root / "build_spec" / entry), "--version"], capture_output=True,
                         text=True, timeout=60, cwd=root)
    assert out.returncode == 0 and out.stdout.startswith("covidxray"), out.stderr
