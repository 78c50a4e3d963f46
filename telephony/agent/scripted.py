"""A deterministic LLM that plays a script: reproducible demos (`simulate_call --script`) and tests.

Each time the agent asks the model for a turn, the next step of the script answers:
a text reply, one or several tool calls, or a callable that looks at the chat context.
The special text "$tool_output" speaks the last tool result verbatim. Replies the agent
asks for with instructions of its own (the greeting, "are you still there?") do not
consume the script; they get a short stock answer, so a script only describes the
conversation itself.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livekit.agents import APIConnectOptions, llm
from livekit.agents.llm import ChatChunk, ChoiceDelta, CompletionUsage, FunctionToolCall
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, NotGivenOr

TOOL_OUTPUT = "$tool_output"
_ids = itertools.count(1)


class ScriptError(Exception):
    """The script is malformed, or the conversation asked for more than it holds."""


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


Step = str | ToolCall | Sequence[ToolCall] | Callable[[llm.ChatContext], Any]


@dataclass
class Turn:
    """One caller line and the steps the model answers it with."""

    caller: str
    steps: list[Step]


def turns_from_json(data: Any) -> tuple[str | None, list[Turn]]:
    """Parse a script file's content: {"from": "+39...", "turns": [{"caller": "...", "agent": [...]}]}."""
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise ScriptError('A script is a JSON object with a "turns" list.')
    turns = []
    for number, turn in enumerate(data["turns"], start=1):
        if not isinstance(turn, dict) or not isinstance(turn.get("caller"), str):
            raise ScriptError(f'Turn {number} needs a "caller" line.')
        steps: list[Step] = []
        for step in turn.get("agent", []):
            if isinstance(step, str):
                steps.append(step)
            elif isinstance(step, dict) and isinstance(step.get("tool"), str):
                args = step.get("args", {})
                if not isinstance(args, dict):
                    raise ScriptError(f'Turn {number}: "args" of {step["tool"]} must be an object.')
                steps.append(ToolCall(step["tool"], args))
            else:
                raise ScriptError(f'Turn {number}: each agent step is a text or {{"tool": ..., "args": {{...}}}}.')
        if not steps or not isinstance(steps[-1], str):
            raise ScriptError(f"Turn {number} must end with what the agent says.")
        if any(isinstance(step, str) for step in steps[:-1]):
            # A reply ends the model's turn; a tool call after it would answer the next caller line.
            raise ScriptError(f"Turn {number}: only the last step may be text; tool calls come before it.")
        turns.append(Turn(turn["caller"], steps))
    caller = data.get("from")
    return (caller if isinstance(caller, str) else None), turns


class ScriptedLLM(llm.LLM):
    """An `llm.LLM` that answers from a script instead of a model."""

    def __init__(self, steps: Sequence[Step] = (), *, stock_reply: str = "Hello! How can I help you?") -> None:
        super().__init__()
        self._steps = list(steps)
        self._stock_reply = stock_reply
        self.calls: list[llm.ChatContext] = []  # what the model was shown, one entry per model call

    @classmethod
    def from_turns(cls, turns: Sequence[Turn], **kwargs: Any) -> ScriptedLLM:
        return cls([step for turn in turns for step in turn.steps], **kwargs)

    @property
    def model(self) -> str:
        return "scripted"

    @property
    def provider(self) -> str:
        return "panbot"

    @property
    def remaining(self) -> int:
        return len(self._steps)

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,
    ) -> llm.LLMStream:
        tools = tools or []
        self.calls.append(chat_ctx.copy())
        items = chat_ctx.items
        if items and items[-1].type == "message" and items[-1].role in {"system", "developer"}:
            step: Any = self._stock_reply  # generate_reply(instructions=...) from the agent itself
        elif self._steps:
            step = self._steps.pop(0)
        else:
            raise ScriptError(f"The script has no step left for model call #{len(self.calls)}.")
        if callable(step):
            step = step(chat_ctx)
        if step == TOOL_OUTPUT:
            outputs = [item for item in items if item.type == "function_call_output"]
            step = outputs[-1].output if outputs else ""
        return _ScriptedStream(self, step, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)


class _ScriptedStream(llm.LLMStream):
    def __init__(self, model: ScriptedLLM, step: Any, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._step = step

    async def _run(self) -> None:
        request_id = f"scripted-{next(_ids)}"
        if isinstance(self._step, str):
            delta = ChoiceDelta(role="assistant", content=self._step)
        else:
            calls = [self._step] if isinstance(self._step, ToolCall) else list(self._step)
            delta = ChoiceDelta(
                role="assistant",
                tool_calls=[
                    FunctionToolCall(name=c.name, arguments=json.dumps(c.arguments), call_id=f"call_{next(_ids)}")
                    for c in calls
                ],
            )
        self._event_ch.send_nowait(ChatChunk(id=request_id, delta=delta))
        # Usage figures so call records show token counts in simulations too.
        self._event_ch.send_nowait(
            ChatChunk(id=request_id, usage=CompletionUsage(completion_tokens=8, prompt_tokens=100, total_tokens=108))
        )
