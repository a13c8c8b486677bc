"""Where papers come from and which ones a digest shows.

``arxiv``, ``hf_daily`` and ``semantic_scholar`` fetch papers as :class:`~digestkit.Entry`
values; ``merge`` joins them by arXiv id; ``select`` scores and picks them (pure functions);
``state`` remembers what was already shown; ``config`` reads the ``[sources.*]``,
``[selection]``, ``[state]`` and ``[output]`` sections of ``digestkit.toml``.
"""
