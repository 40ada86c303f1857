"""Agent Playground: a web playground for tool-using LLM agents that ask when they should."""
