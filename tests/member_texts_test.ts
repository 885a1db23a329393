import assert from "node:assert/strict";
import { streakText } from "../bot/member_texts.ts";
import { COMMAND_MENUS } from "../bot/setup.ts";
import { QUIZ_BANK } from "../domain/quiz_bank.ts";
import { messageIds, t } from "../domain/messages.ts";

const streak = (current: number) => ({ current, best: current, protections: 0, leftMs: 3_600_000 });

Deno.test("/streak agrees with its number: 1 día seguido, 2 días seguidos, 1 day in a row", () => {
  const first = (lang: "en" | "es", n: number) => streakText(lang, streak(n)).split("\n")[0];
  assert.equal(first("es", 1), "🔥 1 día seguido (mejor: 1).");
  assert.equal(first("es", 2), "🔥 2 días seguidos (mejor: 2).");
  assert.equal(first("es", 1500), "🔥 1.500 días seguidos (mejor: 1.500).");
  assert.equal(first("en", 1), "🔥 1 day in a row (best 1).");
  assert.equal(first("en", 1500), "🔥 1,500 days in a row (best 1,500).");
});

Deno.test("Spanish names the quiz one way in every text (/help, /lives and the quiz itself)", () => {
  const ids = messageIds("es").filter((id) => /^(quiz-|help-|lives-)/.test(id));
  const args = {
    ...{ in: "25 min", group: "G", questions: 5, xp: 2, minutes: 10, lives: 2, n: 1, max: 5 },
    ...{ period: "30 min", perMessage: 1, perLink: 3, perThanks: 5, perMinute: 10 },
    ...{ current: 1, total: 5, question: "?", correct: 1 },
  };
  const texts = ids.map((id) => t("es", id, args));
  const mixed = texts.filter((text) => /\bquiz\b/i.test(text.replaceAll("/quiz", "")));
  assert.ok(texts.some((text) => text.includes("cuestionario")));
  assert.deepEqual(mixed, [], "'quiz' beside 'cuestionario' (only the command /quiz stays)");
});

Deno.test("a quiz that spends the last life says so as people do: no lives left, ya no te quedan vidas", () => {
  const started = (lang: "en" | "es", lives: number) =>
    t(lang, "quiz-started", { group: "G", questions: 5, xp: 2, minutes: 10, lives }).split(": ").at(
      -1,
    );
  assert.equal(started("es", 0), "ya no te quedan vidas.");
  assert.equal(started("es", 1), "te queda 1 vida.");
  assert.equal(started("es", 2), "te quedan 2 vidas.");
  assert.equal(started("en", 0), "no lives left.");
  assert.equal(started("en", 1), "1 life left.");
});

Deno.test("Spanish gives XP one gender everywhere: los XP (locales, the command menu, the quiz's questions)", async () => {
  const dir = new URL("../locales/es/", import.meta.url);
  const texts: string[] = [];
  for await (const f of Deno.readDir(dir)) {
    texts.push(await Deno.readTextFile(new URL(f.name, dir)));
  }
  texts.push(
    ...[...COMMAND_MENUS].filter((m) => m.language_code === "es")
      .flatMap((m) => m.commands.map((c) => c.description)),
  );
  texts.push(...QUIZ_BANK.map((q) => q.text.es.question));
  const feminineOrSingular = /\b(la|el|del|al|una|un|cuánta|mucha|poca|esa|esta) XP\b/i;
  const found = texts.flatMap((text) => text.split("\n")).filter((l) => feminineOrSingular.test(l));
  assert.deepEqual(found, [], "«la XP» or «el XP» beside «los XP»");
  assert.ok(texts.some((text) => /\blos XP\b/.test(text)));
});
