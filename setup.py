"""Build the optional compiled repair kernels; everything else is configured in pyproject.toml.

``digestkit/repair/_kernel.c`` runs the array repair pass in C, ``digestkit/repair/_codec.c``
the code-page detection. Both are optional: without a C compiler the install still succeeds
and :mod:`digestkit.repair.fastpass` and :mod:`digestkit.repair.lossless` run the same work
with numpy (slower, same results).
"""

from setuptools import Extension, setup

setup(
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
    ]
)
