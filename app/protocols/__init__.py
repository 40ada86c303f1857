"""The protocols the playground speaks to the field, each a module of its own mounted by `app.api`:
`models` is an OpenAI- and Anthropic-compatible model endpoint for the graphs of opened LangGraph projects."""
