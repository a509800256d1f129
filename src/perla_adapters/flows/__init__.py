"""Flow files: YAML read with line numbers, and a source that reloads them when they change."""
