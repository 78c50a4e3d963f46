"""Scripts for simulate_call: parsed strictly, with messages that say what is wrong."""

import json
from pathlib import Path

import pytest

from telephony.agent.scripted import ScriptError, ToolCall, turns_from_json

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts" / "simulate"


def test_the_shipped_scripts_parse():
    for path in SCRIPTS.glob("*.json"):
        caller, turns = turns_from_json(json.loads(path.read_text()))
        assert caller and turns, path


def test_a_turn_becomes_tool_calls_and_a_reply():
    caller, (turn,) = turns_from_json(
        {"from": "+393331112222", "turns": [{"caller": "Ciao", "agent": [{"tool": "restaurant_info"}, "Ciao!"]}]}
    )
    assert caller == "+393331112222"
    assert turn.caller == "Ciao"
    assert turn.steps == [ToolCall("restaurant_info", {}), "Ciao!"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'A script is a JSON object with a "turns" list.'),
        ({"turns": [{"agent": ["hi"]}]}, 'Turn 1 needs a "caller" line.'),
        ({"turns": [{"caller": "hi", "agent": [{"tool": "x"}]}]}, "Turn 1 must end with what the agent says."),
        ({"turns": [{"caller": "hi", "agent": [42]}]}, "Turn 1: each agent step is a text"),
        ({"turns": [{"caller": "hi", "agent": ["a", {"tool": "x"}, "b"]}]}, "Turn 1: only the last step may be text"),
        ({"turns": [{"caller": "hi", "agent": [{"tool": "x", "args": [1]}, "ok"]}]}, '"args" of x must be an object'),
    ],
)
def test_malformed_scripts_are_refused_clearly(data, message):
    with pytest.raises(ScriptError, match=message.replace("(", r"\(")):
        turns_from_json(data)
