"""``gvapython`` releases the Python objects it loaded when the element is disposed, with the
interpreter attached, so that ``__del__`` runs then (issue 13 item 4; SPEC §4, §7.1).

DL Streamer's ``age_logger.py`` writes through a buffered file and closes it in ``__del__``: the
log is complete only if the instance is released. ``gst-launch-1.0`` unrefs its pipeline before
it exits (and never finalizes the Python it started); an application drops its last reference
with ``del pipeline``. The instance must survive PLAYING→NULL (SPEC §4) and go with the element.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from faces import run

CAPS = "video/x-raw,format=GRAY8,width=16,height=16"
FRAMES = 40
pytestmark = pytest.mark.timeout(120, method="thread")

# A class whose log reaches the disk only when __del__ closes the file (40 short lines stay
# in the 8 KiB buffer until then).
CLASS_MODULE = """
class Logger:
    def __init__(self, log_file_path):
        self.log_file = open(log_file_path, "a")
        self.frames = 0

    def log(self, frame):
        self.frames += 1
        self.log_file.write(f"frame {self.frames}\\n")
        return True

    def __del__(self):
        self.log_file.write("closed\\n")
        self.log_file.close()
"""

# Module-level state, as function-style scripts keep it: the module's globals and its functions
# reference each other, so module-level objects go only when the collector frees the module.
FUNCTION_MODULE = """
frames = 0


class Summary:
    def __del__(self):
        with open("{path}", "w") as f:
            f.write(f"{{frames}} frames\\n")


summary = Summary()


def process_frame(frame):
    global frames
    frames += 1
    return True
"""


def gst_launch_gvapython(*properties: str) -> subprocess.CompletedProcess[str]:
    """``gst-launch-1.0`` of FRAMES frames through ``gvapython`` with ``properties``."""
    return run(
        ["gst-launch-1.0", "-q", "videotestsrc", f"num-buffers={FRAMES}", "!", CAPS]
        + ["!", "gvapython", *properties, "!", "fakesink"],
        timeout=60,
    )


def expected_log(frames: int) -> str:
    return "".join(f"frame {i}\n" for i in range(1, frames + 1)) + "closed\n"


def test_gst_launch_releases_the_instance_at_exit(tmp_path: Path) -> None:
    module = tmp_path / "logger.py"
    module.write_text(textwrap.dedent(CLASS_MODULE))
    log = tmp_path / "log.txt"
    result = gst_launch_gvapython(
        f"module={module}",
        "class=Logger",
        "function=log",
        f'kwarg={{"log_file_path": "{log}"}}',
    )
    assert result.returncode == 0, result.stderr
    assert log.read_text() == expected_log(FRAMES)


def test_gst_launch_releases_a_function_modules_globals_at_exit(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    module = tmp_path / "counter.py"
    module.write_text(textwrap.dedent(FUNCTION_MODULE).format(path=log))
    result = gst_launch_gvapython(f"module={module}")
    assert result.returncode == 0, result.stderr
    assert log.read_text() == f"{FRAMES} frames\n"


APP = """
import gc
import sys

import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst

module, log = sys.argv[1], sys.argv[2]
Gst.init(None)


def lines():
    with open(log) as f:
        return len(f.read().splitlines())


def play(pipeline):
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(
        30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    assert message.type == Gst.MessageType.EOS, message.parse_error()
    del message  # a message holds its source element
    pipeline.set_state(Gst.State.NULL)


pipeline = Gst.parse_launch(
    f"videotestsrc num-buffers={FRAMES} ! {CAPS} ! gvapython name=py module={module} "
    "class=Logger function=log ! fakesink"
)
pipeline.get_by_name("py").set_property("kwarg", '{"log_file_path": "%s"}' % log)
play(pipeline)
print("after NULL", lines(), flush=True)
play(pipeline)  # NULL -> PLAYING again: the same instance counts on
print("after the second run", lines(), flush=True)
del pipeline
gc.collect()
print("after del", lines(), flush=True)
print(open(log).read().splitlines()[-2:], flush=True)
"""


def test_application_del_pipeline_releases_the_instance_before_exit(
    tmp_path: Path,
) -> None:
    module = tmp_path / "logger.py"
    module.write_text(textwrap.dedent(CLASS_MODULE))
    log = tmp_path / "log.txt"
    log.touch()
    app = f"FRAMES, CAPS = {FRAMES}, {CAPS!r}\n" + APP
    result = run([sys.executable, "-c", app, str(module), str(log)], timeout=60)
    assert result.returncode == 0, result.stderr
    # Nothing reached the file while the element lived (PLAYING->NULL keeps the instance);
    # after `del pipeline` the instance is gone and its file closed, while the app still runs.
    assert result.stdout.splitlines() == [
        "after NULL 0",
        "after the second run 0",
        f"after del {2 * FRAMES + 1}",
        f"['frame {2 * FRAMES}', 'closed']",
    ]
    assert log.read_text() == expected_log(2 * FRAMES)
