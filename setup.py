"""Build the optional compiled repair kernel; everything else is configured in pyproject.toml.

``digestkit/repair/_kernel.c`` runs the array repair pass in C. It is optional: without a C
compiler the install still succeeds and :mod:`digestkit.repair.fastpass` runs the same pass
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
        )
    ]
)
