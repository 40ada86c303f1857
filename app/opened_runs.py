"""What a turn adds for a graph that does not record its own steps (an opened LangGraph project, a `--graph`):
the link that makes its calls to the playground's model endpoint steps of this run, LangChain callbacks that
record its nodes, model, tool and retriever calls (an opened project's), its context from the session's
settings, and how it streams (`astream` on the shared loop when some of its code is async only).

Its steps are written deferred, one insert per superstep (`Recorder.flush`, called each time the turn engine
passes steps on): a graph that calls a tool in each node makes two steps a node (bench/projects.py)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

from app.agents.imports import graph_code
from app.graphs import stream_async
from app.protocols import models
from app.tracing.recorder import Recorder
from app.tracing.steps import Step

OWN_MODELS = "own_models"  # an opened graph's setting: its own models answer it (where the operator allows them)


class OpenedRun:
    def __init__(self, spec, session, config: dict, recorder: Recorder, on_step: Callable[[Step], None], settings):
        """`on_step(step)`: a step stored (deferred), to pass on; `config` gets this run's callbacks."""
        self.recorder = recorder
        self._guard = threading.Lock()  # steps come from the endpoint's threads and the graph's at once
        self._on_step = on_step
        self.io = spec.io
        own = bool((session.settings or {}).get(OWN_MODELS)) and self.io is not None
        self.link = models.link_run(config, session.model, self.record, settings, own) if models.pointed() else None
        self.options: dict[str, Any] = {}
        if self.io is not None:
            from app.tracing.callbacks import StepCallbacks

            config["callbacks"] = [StepCallbacks(self.record, models.served_by(self.link))]
            if self.io.context:  # its settings, as LangGraph 1.x passes them (Runtime.context) and as graphs written
                # for 0.x read them (config["configurable"], a `config_schema`): both, never over our own keys
                context = self.io.context_value(session.settings or {})
                self.options["context"] = context
                config["configurable"] = {**context, **config["configurable"]}

    @property
    def traced(self) -> bool:
        """Its callbacks record its steps (else its node updates become node steps)."""
        return self.io is not None

    def record(self, step: Step) -> None:
        with self._guard:
            self._on_step(self.recorder.record(step, defer=True))

    def stream(self, graph, graph_input: Any, config: dict, **options) -> Iterator[Any]:
        if self.io is not None and self.io.asynchronous:
            chunks = stream_async(graph_input, config, graph=graph, **self.options, **options)
        else:
            chunks = graph.stream(graph_input, config, **self.options, **options)
        with graph_code():  # what its code prints is not a command's output (GraphPrints)
            yield from chunks

    def close(self) -> None:
        self.recorder.flush()
        models.close_run(self.link)
