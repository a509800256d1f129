"""Language-model adapters: Anthropic's Messages API and a local double of it."""
