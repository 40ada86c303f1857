"""Models: one gateway over LiteLLM, and the offline demo provider."""
