"""Who may do what: API keys, roles and the actor every command carries."""
