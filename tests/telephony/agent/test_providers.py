"""Speech and language providers are chosen per call language from settings, offline."""

from livekit.plugins import deepgram, openai

from telephony.agent import providers


def test_llm_is_any_openai_compatible_endpoint(settings):
    settings.LLM_MODEL = "llama-3.3-70b"
    settings.LLM_API_KEY = "k"
    settings.LLM_BASE_URL = "http://llm.internal:8000/v1"
    model = providers.build_llm()
    assert isinstance(model, openai.LLM)
    assert model.model == "llama-3.3-70b"
    assert str(model._client.base_url).startswith("http://llm.internal:8000/v1")


def test_speech_is_chosen_per_language_with_a_default(settings):
    settings.OPENAI_API_KEY = settings.DEEPGRAM_API_KEY = "k"
    settings.STT_DEFAULT = "openai:gpt-4o-mini-transcribe"
    settings.STT_BY_LANGUAGE = {"it": "deepgram:nova-3"}
    settings.TTS_DEFAULT = "openai:gpt-4o-mini-tts:alloy"
    settings.TTS_BY_LANGUAGE = {"it": "deepgram:aura-2-livia-it"}

    assert isinstance(providers.build_stt("it"), deepgram.STT)
    assert isinstance(providers.build_stt("en"), openai.STT)
    assert isinstance(providers.build_tts("it"), deepgram.TTS)
    assert isinstance(providers.build_tts("en"), openai.TTS)


def test_the_configured_voice_wins_over_the_language_default(settings):
    settings.TTS_DEFAULT = "openai:gpt-4o-mini-tts:alloy"
    settings.TTS_BY_LANGUAGE = {}
    assert providers.tts_choice("en").voice == "alloy"
    assert providers.tts_choice("en", "nova") == providers.SpeechChoice("openai", "gpt-4o-mini-tts", "nova")
