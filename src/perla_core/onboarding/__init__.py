"""PerlaHub onboarding: a party's life from lead to live client (seed 000)."""
