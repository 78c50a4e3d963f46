"""Speech and language providers for live calls, chosen by settings and the call's language.

The LLM is any OpenAI-compatible endpoint (OpenAI itself or a self-hosted server);
STT and TTS are LiveKit plugins picked per agent language (STT_BY_LANGUAGE,
TTS_BY_LANGUAGE), falling back to STT_DEFAULT / TTS_DEFAULT.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.conf import settings
from livekit.agents import llm as lk_llm
from livekit.agents import stt as lk_stt
from livekit.agents import tts as lk_tts


@dataclass(frozen=True)
class SpeechChoice:
    """One provider/model (and, for TTS, voice) as configured."""

    provider: str
    model: str
    voice: str = ""

    @classmethod
    def parse(cls, spec: str) -> SpeechChoice:
        provider, model, *rest = spec.split(":")
        return cls(provider=provider, model=model, voice=rest[0] if rest else "")


def stt_choice(language: str) -> SpeechChoice:
    return SpeechChoice.parse(settings.STT_BY_LANGUAGE.get(language, settings.STT_DEFAULT))


def tts_choice(language: str, voice: str = "") -> SpeechChoice:
    choice = SpeechChoice.parse(settings.TTS_BY_LANGUAGE.get(language, settings.TTS_DEFAULT))
    # The number's or business's configured voice wins over the language default.
    return SpeechChoice(choice.provider, choice.model, voice or choice.voice)


def settings_problems() -> list[str]:
    """Why the agent worker cannot take calls with the current settings (empty when it can)."""
    problems = []
    if not settings.LIVEKIT_URL:
        problems.append("LIVEKIT_URL is not set (with LIVEKIT_API_KEY and LIVEKIT_API_SECRET).")
    if not settings.LLM_API_KEY:
        problems.append("LLM_API_KEY is not set (the key of the OpenAI-compatible LLM endpoint).")
    specs = [settings.STT_DEFAULT, settings.TTS_DEFAULT, *settings.STT_BY_LANGUAGE.values(),
             *settings.TTS_BY_LANGUAGE.values()]  # fmt: skip
    providers = {SpeechChoice.parse(spec).provider for spec in specs}
    if "openai" in providers and not settings.OPENAI_API_KEY:
        problems.append("OPENAI_API_KEY is not set but OpenAI speech is configured (STT_*/TTS_*).")
    if "deepgram" in providers and not settings.DEEPGRAM_API_KEY:
        problems.append("DEEPGRAM_API_KEY is not set but Deepgram speech is configured (STT_*/TTS_*).")
    return problems


def preload() -> list[str]:
    """Import the plugins the configured providers need (at worker start, not during a call); their names."""
    specs = [settings.STT_DEFAULT, settings.TTS_DEFAULT, *settings.STT_BY_LANGUAGE.values(),
             *settings.TTS_BY_LANGUAGE.values()]  # fmt: skip
    names = sorted({"openai"} | {SpeechChoice.parse(spec).provider for spec in specs})  # the LLM is OpenAI-compatible
    for name in names:
        importlib.import_module(f"livekit.plugins.{name}")
    return names


def build_llm() -> lk_llm.LLM:
    from livekit.plugins import openai

    kwargs = {"model": settings.LLM_MODEL, "api_key": settings.LLM_API_KEY}
    if settings.LLM_BASE_URL:
        kwargs["base_url"] = settings.LLM_BASE_URL
    return openai.LLM(**kwargs)


def build_stt(language: str) -> lk_stt.STT:
    choice = stt_choice(language)
    if choice.provider == "deepgram":
        from livekit.plugins import deepgram

        return deepgram.STT(model=choice.model, language=language, api_key=settings.DEEPGRAM_API_KEY)
    from livekit.plugins import openai

    return openai.STT(model=choice.model, language=language, api_key=settings.OPENAI_API_KEY)


def build_tts(language: str, voice: str = "") -> lk_tts.TTS:
    choice = tts_choice(language, voice)
    if choice.provider == "deepgram":
        from livekit.plugins import deepgram

        # Deepgram voices are models ("aura-2-...-it"); a voice, when set, names the model.
        return deepgram.TTS(model=choice.voice or choice.model, api_key=settings.DEEPGRAM_API_KEY)
    from livekit.plugins import openai

    return openai.TTS(model=choice.model, voice=choice.voice or "alloy", api_key=settings.OPENAI_API_KEY)
