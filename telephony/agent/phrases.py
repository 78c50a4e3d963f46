"""What the agent says on its own (not through the LLM), in the call's language."""

from __future__ import annotations

GREET_INSTRUCTIONS = (
    "Greet the caller warmly in one short sentence, say the restaurant's name and ask how you can help."
)
STILL_THERE_INSTRUCTIONS = "The caller has been silent. Ask once, briefly, whether they are still there."

_LINES_BUSY = {
    "it": "Siamo spiacenti, tutte le linee sono occupate. La preghiamo di richiamare tra qualche minuto.",
    "en": "Sorry, all our lines are busy right now. Please call again in a few minutes.",
    "de": "Leider sind gerade alle Leitungen belegt. Bitte rufen Sie in ein paar Minuten wieder an.",
    "fr": "Désolé, toutes nos lignes sont occupées. Merci de rappeler dans quelques minutes.",
    "es": "Lo sentimos, todas nuestras líneas están ocupadas. Por favor, vuelva a llamar en unos minutos.",
}
_SORRY_PROBLEM = {
    "it": "Mi scusi, ho un problema tecnico e devo chiudere la chiamata. La preghiamo di richiamare.",
    "en": "I'm sorry, I've run into a technical problem and have to end the call. Please call us again.",
    "de": "Entschuldigung, ich habe ein technisches Problem und muss das Gespräch beenden. Bitte rufen Sie erneut an.",
    "fr": "Désolé, j'ai un problème technique et je dois raccrocher. Merci de nous rappeler.",
    "es": "Lo siento, tengo un problema técnico y debo terminar la llamada. Por favor, vuelva a llamar.",
}
_SORRY_MUST_END = {
    "it": "Mi scusi, devo chiudere la chiamata ora. La preghiamo di richiamare se ha bisogno.",
    "en": "I'm sorry, I have to end the call now. Please call back if you need anything.",
    "de": "Entschuldigung, ich muss das Gespräch jetzt beenden. Rufen Sie gern wieder an.",
    "fr": "Désolé, je dois mettre fin à l'appel. N'hésitez pas à rappeler.",
    "es": "Lo siento, tengo que terminar la llamada. Vuelva a llamar si lo necesita.",
}
_TIME_IS_UP = {
    "it": "Abbiamo raggiunto la durata massima della chiamata. Grazie e arrivederci!",
    "en": "We've reached the maximum length for a call. Thank you, and goodbye!",
    "de": "Wir haben die maximale Gesprächsdauer erreicht. Danke und auf Wiederhören!",
    "fr": "Nous avons atteint la durée maximale d'appel. Merci et au revoir !",
    "es": "Hemos alcanzado la duración máxima de la llamada. ¡Gracias y adiós!",
}
_GOODBYE_SILENCE = {
    "it": "Non la sento più, chiudo la chiamata. Arrivederci!",
    "en": "I can't hear you, so I'll end the call now. Goodbye!",
    "de": "Ich höre Sie leider nicht mehr und beende das Gespräch. Auf Wiederhören!",
    "fr": "Je ne vous entends plus, je vais raccrocher. Au revoir !",
    "es": "No le oigo, así que terminaré la llamada. ¡Adiós!",
}


def _pick(table: dict[str, str], language: str) -> str:
    return table.get(language, table["en"])


def lines_busy(language: str) -> str:
    return _pick(_LINES_BUSY, language)


def sorry_problem(language: str) -> str:
    return _pick(_SORRY_PROBLEM, language)


def sorry_must_end(language: str) -> str:
    return _pick(_SORRY_MUST_END, language)


def time_is_up(language: str) -> str:
    return _pick(_TIME_IS_UP, language)


def goodbye_silence(language: str) -> str:
    return _pick(_GOODBYE_SILENCE, language)
