"""`make bench` on a clean machine: bench/prepare.sh installs wrk with apt-get (after an update) when it
is missing, and fails under CI=true when it cannot. apt-get, sudo and the service probes are stand-ins
that only write down how they were called: nothing is installed on this machine."""
import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "prepare.sh"
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$CALLS"\n'


def _bin(tmp_path: Path, with_apt: bool) -> Path:
    """A PATH of its own: the shell tools the script uses, no wrk, and recording stand-ins."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("bash", "env", "id", "ls", "head", "basename", "true"):
        found = shutil.which(tool)
        assert found, f"{tool} is needed by bench/prepare.sh"
        (folder / tool).symlink_to(found)
    stand_ins = {"pg_isready": RECORDER, "redis-cli": RECORDER,
                 # sudo -n CMD...: write down the call, then run CMD (the recording apt-get)
                 "sudo": RECORDER + 'shift\nexec "$@"\n'}
    if with_apt:
        stand_ins["apt-get"] = RECORDER
    for name, text in stand_ins.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    return folder


def _run(tmp_path: Path, with_apt: bool, ci: bool, wrk: bool = False) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    folder = _bin(tmp_path, with_apt)
    if wrk:
        (folder / "wrk").write_text("#!/bin/sh\n")
        (folder / "wrk").chmod(0o755)
    calls = tmp_path / "calls.txt"
    calls.touch()
    env = {"PATH": str(folder), "CALLS": str(calls), "HOME": str(tmp_path)}
    if ci:
        env["CI"] = "true"
    done = subprocess.run([str(folder / "bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    return done, calls.read_text().splitlines()


def test_a_missing_wrk_is_installed_after_an_update(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, with_apt=True, ci=True)
    assert done.returncode == 0, done.stderr
    apt = [call for call in calls if call.startswith("apt-get")]
    assert apt[0] == "apt-get update -q"
    assert apt[1].startswith("apt-get install -y -q --no-install-recommends ")
    assert "wrk" in apt[1].split()
    if os.geteuid() != 0:  # not root: through sudo, never asking for a password
        assert any(call.startswith("sudo -n") for call in calls)


def test_under_ci_a_tool_that_cannot_be_installed_fails(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, with_apt=False, ci=True)
    assert done.returncode == 1
    assert "wrk" in done.stderr and "cannot be installed" in done.stderr


def test_outside_ci_the_run_goes_on_without_it(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, with_apt=False, ci=False)
    assert done.returncode == 0
    assert "wrk" in done.stderr and "not installed" in done.stderr


def test_what_is_there_is_not_installed_again(tmp_path: Path) -> None:
    done, calls = _run(tmp_path, with_apt=True, ci=True, wrk=True)
    assert done.returncode == 0, done.stderr
    installs = [call.split() for call in calls if call.startswith("apt-get install")]
    assert not any("wrk" in words for words in installs)
    if Path("/usr/sbin/nginx").exists() and Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists():
        assert not [call for call in calls if call.startswith(("apt-get", "sudo"))]
