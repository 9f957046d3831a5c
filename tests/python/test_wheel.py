"""The gstgva wheel installs into any virtualenv of the Python it was built for."""

import os
import pathlib
import subprocess
import sys
import venv

import pytest

WHEELS = pathlib.Path(
    os.environ.get("GVA_WHEEL_DIR", pathlib.Path(__file__).resolve().parents[2] / "target" / "wheels")
)


def test_wheel_installs_and_imports_in_a_fresh_virtualenv(tmp_path):
    wheels = sorted(WHEELS.glob("gstgva-*.whl"))
    if not wheels:
        pytest.fail(f"no gstgva wheel in {WHEELS}: run `cargo xtask setup` (or `cargo xtask wheel`)")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # --no-deps: numpy comes from the registry in real installs; the import below doesn't need it.
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check", wheels[-1]],
        check=True,
    )
    out = subprocess.run(
        [
            python,
            "-c",
            (
                "import gstgva, os; "
                "print(gstgva.Tensor.PRECISION.FP32.value, gstgva.Tensor.LAYOUT.NC.value, "
                "os.path.dirname(gstgva.__file__))"
            ),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    fp32, nc, location = out.stdout.split()
    assert (fp32, nc) == ("10", "193")
    assert location.startswith(str(env_dir)), location
    assert pathlib.Path(location, "py.typed").exists()


def test_wheel_is_for_this_interpreter():
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    names = [w.name for w in WHEELS.glob("gstgva-*.whl")]
    assert names and all(f"-{tag}-{tag}-" in n for n in names), names
