"""Test helpers that ship with digestkit, for its own tests, the eval harness and plugins.

:mod:`digestkit.testing.llm_stub` runs stub Anthropic / OpenAI-compatible servers on
127.0.0.1 with fault injection, so code that talks to LLMs is tested over real HTTP.
"""
