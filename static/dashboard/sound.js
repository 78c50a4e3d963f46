// The board's alert sound, made with Web Audio (no file to fetch). Browsers allow sound only after a
// tap on the page, so the board asks for that tap once and says when sound is off.
let context = null;

export function soundOn() {
  return context !== null && context.state === "running";
}

export async function enableSound() {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!AudioContext) return false;
  context = context || new AudioContext();
  await context.resume();
  chime(0.15);
  return soundOn();
}

// Two rising tones; `loud` (0..1) grows when an order waits too long.
export function chime(loud = 0.4) {
  if (!soundOn()) return false;
  const now = context.currentTime;
  [880, 1175].forEach((frequency, i) => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(loud, now + i * 0.25 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.4);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(now + i * 0.25);
    oscillator.stop(now + i * 0.25 + 0.45);
  });
  return true;
}
