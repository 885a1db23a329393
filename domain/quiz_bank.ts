/**
 * The quiz's question bank, shipped with the project (seed 002): questions about the community,
 * Warden's rules, Telegram and general knowledge, each in English and Spanish with the same
 * options in the same order, so the correct index holds in both. Telegram's limits apply: a
 * question ≤ 300 characters, 2–10 options of ≤ 100 (here 2–4).
 */
import type { Language } from "./i18n.ts";
import { scaledAmount, type XpAmounts } from "./xp_rules.ts";

export interface QuizQuestion {
  /** Stable id: sessions store it, so never renumber a question. */
  id: number;
  /** Index of the correct option (0-based). */
  correct: number;
  text: Record<Language, { question: string; options: string[] }>;
  /**
   * For a question about an XP amount: the amount its correct option says, and the rule it reads
   * (scaled by the chat's multiplier, as awards are, or not: the cap). The answer holds only
   * where the rules pay that (`questionHolds`).
   */
  xp?: { rule: keyof XpAmounts; value: number; scaled: boolean };
}

/** The XP amounts the first questions' answers say: the defaults (seed 003). */
const XP_ANSWERS: Record<number, QuizQuestion["xp"]> = {
  1: { rule: "perMessage", value: 1, scaled: true },
  2: { rule: "perLink", value: 3, scaled: true },
  3: { rule: "perThanks", value: 5, scaled: true },
  4: { rule: "maxPerMinute", value: 10, scaled: false },
};

/** `[correct, English question, "a|b|c", Spanish question, "a|b|c"]`, ids from 1 in order. */
const RAW: ReadonlyArray<readonly [number, string, string, string, string]> = [
  [
    0,
    "How much XP does a plain message in the group earn?",
    "1 XP|3 XP|5 XP|10 XP",
    "¿Cuántos XP da un mensaje normal en el grupo?",
    "1 XP|3 XP|5 XP|10 XP",
  ],
  [
    1,
    "How much XP does a message with a link earn?",
    "1 XP|3 XP|5 XP",
    "¿Cuántos XP da un mensaje con un enlace?",
    "1 XP|3 XP|5 XP",
  ],
  [
    2,
    "How much XP does a member get when someone thanks them?",
    "1 XP|3 XP|5 XP|10 XP",
    "¿Cuántos XP recibe un miembro cuando alguien le da las gracias?",
    "1 XP|3 XP|5 XP|10 XP",
  ],
  [
    1,
    "What is the most XP a member can earn from chatting in one minute?",
    "5 XP|10 XP|50 XP|No limit",
    "¿Cuántos XP como máximo se puede ganar chateando en un minuto?",
    "5 XP|10 XP|50 XP|Sin límite",
  ],
  [
    2,
    "How many lives can a member hold at most?",
    "3|4|5|10",
    "¿Cuántas vidas puede tener un miembro como máximo?",
    "3|4|5|10",
  ],
  [
    1,
    "How often does a lost life come back?",
    "Every 10 minutes|Every 30 minutes|Every hour|Once a day",
    "¿Cada cuánto vuelve una vida perdida?",
    "Cada 10 minutos|Cada 30 minutos|Cada hora|Una vez al día",
  ],
  [
    2,
    "After how long without activity does a streak break (without a protection)?",
    "12 hours|24 hours|48 hours|A week",
    "¿Tras cuánto tiempo sin actividad se rompe una racha (sin protección)?",
    "12 horas|24 horas|48 horas|Una semana",
  ],
  [
    0,
    "How many streak protections can a member hold at most?",
    "2|3|5",
    "¿Cuántas protecciones de racha puede tener un miembro como máximo?",
    "2|3|5",
  ],
  [
    1,
    "Which command shows the group's leaderboard?",
    "/profile|/top|/lives|/badges",
    "¿Qué comando muestra la clasificación del grupo?",
    "/profile|/top|/lives|/badges",
  ],
  [
    0,
    "How long does a quiz session last before it expires?",
    "10 minutes|30 minutes|1 hour|A day",
    "¿Cuánto dura una sesión de quiz antes de caducar?",
    "10 minutos|30 minutos|1 hora|Un día",
  ],
  [
    3,
    "Does thanking yourself earn XP?",
    "Yes, 5 XP|Yes, 1 XP|Only on weekends|No, never",
    "¿Darse las gracias a uno mismo da XP?",
    "Sí, 5 XP|Sí, 1 XP|Solo los fines de semana|No, nunca",
  ],
  [
    1,
    "What is a Telegram group with up to 200,000 members and admin tools called?",
    "A channel|A supergroup|A broadcast|A story",
    "¿Cómo se llama un grupo de Telegram de hasta 200.000 miembros con herramientas de admin?",
    "Un canal|Un supergrupo|Una difusión|Una historia",
  ],
  [
    2,
    "In Telegram, what starts a bot command?",
    "#|@|/|!",
    "En Telegram, ¿con qué empieza un comando de bot?",
    "#|@|/|!",
  ],
  [
    0,
    "What does @username do in a Telegram message?",
    "Mentions a user|Starts a command|Adds a hashtag|Pins the message",
    "¿Qué hace @usuario en un mensaje de Telegram?",
    "Menciona a un usuario|Inicia un comando|Añade un hashtag|Fija el mensaje",
  ],
  [
    1,
    "Who can pin messages in a Telegram group by default?",
    "Every member|Admins|Only bots|Nobody",
    "¿Quién puede fijar mensajes en un grupo de Telegram por defecto?",
    "Todos los miembros|Los administradores|Solo los bots|Nadie",
  ],
  [
    2,
    "In a native Telegram quiz poll, how many answers are correct?",
    "None|Two|Exactly one|All of them",
    "En una encuesta tipo quiz de Telegram, ¿cuántas respuestas son correctas?",
    "Ninguna|Dos|Exactamente una|Todas",
  ],
  [
    3,
    "What is the largest planet in the Solar System?",
    "Earth|Saturn|Mars|Jupiter",
    "¿Cuál es el planeta más grande del sistema solar?",
    "La Tierra|Saturno|Marte|Júpiter",
  ],
  [
    0,
    "What is H₂O better known as?",
    "Water|Salt|Oxygen|Hydrogen",
    "¿Cómo se conoce mejor el H₂O?",
    "Agua|Sal|Oxígeno|Hidrógeno",
  ],
  [
    1,
    "How many days does a leap year have?",
    "365|366|364",
    "¿Cuántos días tiene un año bisiesto?",
    "365|366|364",
  ],
  [
    2,
    "Which ocean is the largest?",
    "Atlantic|Indian|Pacific|Arctic",
    "¿Cuál es el océano más grande?",
    "Atlántico|Índico|Pacífico|Ártico",
  ],
  [
    1,
    "How many minutes are there in two hours?",
    "100|120|90|200",
    "¿Cuántos minutos hay en dos horas?",
    "100|120|90|200",
  ],
  [
    0,
    "Which is a good way to welcome a new member?",
    "Greet them and point to the rules|Ignore them|Spam links|Ban them",
    "¿Cuál es una buena forma de dar la bienvenida a un nuevo miembro?",
    "Saludarle e indicarle las normas|Ignorarle|Enviar enlaces sin parar|Expulsarle",
  ],
  [
    1,
    "True or false: a redelivered Telegram update pays XP twice.",
    "True|False",
    "Verdadero o falso: una actualización de Telegram entregada dos veces paga XP dos veces.",
    "Verdadero|Falso",
  ],
  [
    3,
    "Which day starts the weekly leaderboard (UTC)?",
    "Sunday|Saturday|Friday|Monday",
    "¿Qué día empieza la clasificación semanal (UTC)?",
    "Domingo|Sábado|Viernes|Lunes",
  ],
];

/** Every question, ids 1..n. */
export const QUIZ_BANK: readonly QuizQuestion[] = RAW.map(([correct, enQ, enO, esQ, esO], i) => ({
  id: i + 1,
  correct,
  text: {
    en: { question: enQ, options: enO.split("|") },
    es: { question: esQ, options: esO.split("|") },
  },
  ...(XP_ANSWERS[i + 1] ? { xp: XP_ANSWERS[i + 1] } : {}),
}));

/**
 * Whether `q`'s answer is true in a chat with these XP amounts (`XP_*`) and this multiplier in
 * hundredths (`chats.xp_multiplier` × 100): a quiz never marks the rules' real amount wrong.
 */
export function questionHolds(q: QuizQuestion, xp: XpAmounts, hundredths: number): boolean {
  if (!q.xp) return true;
  const amount = xp[q.xp.rule];
  return (q.xp.scaled ? scaledAmount(amount, hundredths) : amount) === q.xp.value;
}

const BY_ID = new Map(QUIZ_BANK.map((q) => [q.id, q]));

/** The question with this id; throws when the bank has none (a session outlived its question). */
export function quizQuestion(id: number): QuizQuestion {
  const q = BY_ID.get(id);
  if (!q) throw new Error(`no quiz question ${id} in the bank`);
  return q;
}

/** `n` distinct question ids in random order (a partial Fisher–Yates shuffle), of those `holds`. */
export function pickQuestions(
  n: number,
  random: () => number = Math.random,
  holds: (q: QuizQuestion) => boolean = () => true,
): number[] {
  const ids = QUIZ_BANK.filter(holds).map((q) => q.id);
  const count = Math.min(n, ids.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (ids.length - i));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.slice(0, count);
}
