"""The wheel, installed outside the repository, carries every command's files."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv with the built wheel installed (not editable)."""
    root = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(root)]
    subprocess.run(pip, check=True, capture_output=True)
    (wheel,) = root.glob("footfall-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", str(wheel)], check=True, capture_output=True
    )
    return bin_dir


def footfall(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "footfall"), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.e2e
def test_the_installed_wheel_runs_every_command_a_new_user_tries(installed: Path, tmp_path: Path):
    version = footfall(installed, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("footfall ")
    flash = footfall(installed, tmp_path, "flash", "--help")
    assert "m5stickc_plus2" in flash.stdout and "esp32_lis3dh" in flash.stdout
    demo = footfall(installed, tmp_path, "demo")
    assert demo.returncode == 0 and "buzz" in demo.stdout
    data = next((installed.parent / "lib").glob("python3*/site-packages/footfall/_data"))
    sim = footfall(installed, tmp_path, "sim", str(data / "synthetic_run.csv"), "--out", "fl")
    assert sim.returncode == 0 and (tmp_path / "fl" / "sessions" / "00001.ffs").exists()
    store = str(tmp_path / "s.db")
    sync = footfall(installed, tmp_path, "sync", "--device", "file:fl", "--store", store)
    assert sync.returncode == 0 and "1 imported" in sync.stdout
    report = footfall(installed, tmp_path, "report", "latest", "--out", "r.html", "--store", store)
    assert report.returncode == 0 and (tmp_path / "r.html").read_text().startswith("<!DOCTYPE")
    export = footfall(
        installed, tmp_path, "export", "latest", "--format", "csv", "--out", "-", "--store", store
    )
    assert export.returncode == 0 and export.stdout.count("\n") > 1000
