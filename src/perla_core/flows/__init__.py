"""The bot's dialogue as data (issue 6): flows a non-programmer edits in YAML.

- :mod:`.model`: :class:`Flow`, its step kinds and WhatsApp's limits;
- :mod:`.parsing`: :func:`parse_flow` builds a flow from a parsed file and reports every
  problem with its line and YAML path;
- :mod:`.engine`: :class:`FlowEngine`, pure ``advance(state, event) -> (state, actions)``;
- :mod:`.mermaid`: :func:`to_mermaid` draws a flow.

The file itself is read by ``perla_adapters.flows.yaml_source``; the core sees plain data.
"""
