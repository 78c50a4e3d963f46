"""How a call's AgentSession is built: live audio over LiveKit, or text (simulate_call and tests)."""

from __future__ import annotations

from django.conf import settings
from livekit import rtc
from livekit.agents import Agent, AgentSession, llm
from livekit.agents.voice.room_io import RoomOptions

from telephony.agent import providers

# Tool steps one caller turn may take (match an item, add it, review the order...).
MAX_TOOL_STEPS = 6


class LiveSessions:
    """Sessions with the configured STT/LLM/TTS, bound to the caller's SIP participant."""

    def __init__(self, *, room: rtc.Room, participant_identity: str) -> None:
        self.room = room
        self.participant_identity = participant_identity

    def for_call(self, admission) -> AgentSession:
        config = admission.config
        return AgentSession(
            llm=providers.build_llm(),
            stt=providers.build_stt(config.language),
            tts=providers.build_tts(config.language, config.voice),
            user_away_timeout=settings.AGENT_SILENCE_SECONDS,
            max_tool_steps=MAX_TOOL_STEPS,
        )

    def for_message(self, admission) -> AgentSession:
        config = admission.config
        return AgentSession(tts=providers.build_tts(config.language, config.voice), user_away_timeout=None)

    async def start(self, session: AgentSession, agent: Agent) -> None:
        await session.start(
            agent=agent,
            room=self.room,
            room_options=RoomOptions(
                participant_identity=self.participant_identity,
                participant_kinds=[rtc.ParticipantKind.PARTICIPANT_KIND_SIP],
                # The runner ends calls for every disconnect reason itself; LiveKit's auto-close
                # covers only some of them (not SIP trunk or media failures).
                close_on_disconnect=False,
                text_input=False,
            ),
        )


class TextSessions:
    """Sessions in text mode: no audio, no VAD, the given LLM (a ScriptedLLM or a real one)."""

    def __init__(self, model: llm.LLM) -> None:
        self.model = model

    def for_call(self, admission) -> AgentSession:
        return AgentSession(
            llm=self.model,
            vad=None,
            turn_handling={"turn_detection": None},
            user_away_timeout=None,
            max_tool_steps=MAX_TOOL_STEPS,
        )

    def for_message(self, admission) -> AgentSession:
        return AgentSession(vad=None, turn_handling={"turn_detection": None}, user_away_timeout=None)

    async def start(self, session: AgentSession, agent: Agent) -> None:
        await session.start(agent)
