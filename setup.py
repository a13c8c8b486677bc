"""Build the optional compiled repair kernels and the repair model's mapped layout;
everything else is configured in pyproject.toml.

``digestkit/repair/_kernel.c`` runs the array repair pass in C, ``digestkit/repair/_codec.c``
the code-page detection. Both are optional: without a C compiler the install still succeeds
and :mod:`digestkit.repair.fastpass` and :mod:`digestkit.repair.lossless` run the same work
with numpy (slower, same results).

``build_py`` also writes the repair model's arrays in their memory-mapped layout
(``digestkit/repair/model/layout/{lang}.bin``, see :mod:`digestkit.repair.model.mapped`)
into the build (a wheel ships them) or, for an editable install, into the source tree, so
no process has to build them on first use. Also optional: if it fails, the first lossy
repair builds them into ``$DIGESTKIT_HOME`` instead.
"""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LAYOUT = Path("digestkit", "repair", "model", "layout")


class build_py_with_model_layout(build_py):  # noqa: N801 (setuptools command naming)
    """``build_py``, then the model layout (``python -m digestkit.repair.model.mapped DIR``
    run from the source tree, with the build's numpy)."""

    def run(self) -> None:
        super().run()
        target = HERE / LAYOUT if self.editable_mode else Path(self.build_lib) / LAYOUT
        # Prepend: pip's isolated build environment reaches its numpy through PYTHONPATH.
        path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONPATH": path}
        cmd = [sys.executable, "-m", "digestkit.repair.model.mapped", str(target)]
        done = subprocess.run(cmd, cwd=HERE, env=env, capture_output=True, text=True)
        if done.returncode:
            self.warn(
                "the repair model's mapped layout was not built (the first lossy repair "
                f"will build it into $DIGESTKIT_HOME):\n{done.stderr[-2000:]}"
            )
        else:
            self.announce(done.stderr.strip(), level=2)


setup(
    cmdclass={"build_py": build_py_with_model_layout},
    ext_modules=[
        Extension(
            "digestkit.repair._kernel",
            ["digestkit/repair/_kernel.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
        Extension(
            "digestkit.repair._codec",
            ["digestkit/repair/_codec.c"],
            extra_compile_args=["-O2"],
            optional=True,
        ),
    ],
)
