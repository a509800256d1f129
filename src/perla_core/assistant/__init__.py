"""The PerlaHub assistant (issue 10): staff ask in plain Spanish, perla's use cases do the work.

- :mod:`~perla_core.assistant.schema` turns command classes into tool JSON schemas and back;
- :mod:`~perla_core.assistant.catalogue` lists the tools over the onboarding, credentials,
  policies, suppliers, hotels and dashboard use cases;
- :mod:`~perla_core.assistant.engine` runs a turn: the model's calls, reads at once, writes
  as proposals confirmed by the person's next message, gathering forms;
- :mod:`~perla_core.assistant.grammar` is the offline model: a deterministic Spanish command
  grammar speaking the same tool protocol as Anthropic's Messages API.
"""
