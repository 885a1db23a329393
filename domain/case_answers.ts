import type postgres from "postgres";
import { commitmentOf } from "./case_texts.ts";
import type { VoteOutcome } from "./case_votes.ts";
import { duration, type Language, number, plural } from "./i18n.ts";

type Texts = { en: string; es: string };

/** The callback answer to a vote, in the member's language. */
export function voteAnswer(o: VoteOutcome, lang: Language): string {
  const es = lang === "es";
  switch (o.kind) {
    case "recorded":
      return es
        ? `✅ Voto registrado: ${o.label.es}. Puedes cambiarlo hasta que cierre el caso.`
        : `✅ Vote recorded: ${o.label.en}. You can change it until the case closes.`;
    case "changed":
      return es ? `🔁 Voto cambiado a: ${o.label.es}.` : `🔁 Vote changed to: ${o.label.en}.`;
    case "same":
      return es ? `Ya votaste: ${o.label.es}.` : `You already voted: ${o.label.en}.`;
    case "closed":
      return es
        ? `⌛ El caso #${o.caseId} está cerrado: ya no se aceptan votos.`
        : `⌛ Case #${o.caseId} is closed: votes are no longer taken.`;
    case "unknown-option":
      return es
        ? `Esa opción no está en el caso #${o.caseId}.`
        : `That option is not in case #${o.caseId}.`;
    case "unknown-case":
      return es ? `No existe el caso #${o.caseId}.` : `Unknown case #${o.caseId}.`;
    case "not-member":
      return es
        ? "🚪 Solo los miembros de este grupo pueden votar sus casos."
        : "🚪 Only members of this group can vote on its cases.";
    case "unverified":
      return es
        ? "⚠️ Tu voto no se contó: no pude comprobar que estás en este grupo. Inténtalo de nuevo en un momento."
        : "⚠️ Your vote was not counted: I could not check that you are in this group. Try again in a moment.";
  }
}

interface CaseRow {
  id: string;
  title: Texts;
  options: Array<{ id: string; label: Texts }>;
  verdict: string;
  salt: string;
  commitment: string;
  status: string;
  closes_at: Date;
}

const unknown = (id: number, lang: Language) =>
  lang === "es" ? `No existe el caso #${id}.` : `Unknown case #${id}.`;

/**
 * `/case`: the open cases (newest three) with the time left; `/case <id>`: one case — while
 * open, its options and how many voted; once closed, the verdict, the votes per option and the
 * top arguments.
 */
export async function caseStatusText(
  sql: postgres.Sql,
  id: number | null,
  lang: Language,
  now: Date,
): Promise<string> {
  const es = lang === "es";
  const rows = await sql<(CaseRow & { votes: number })[]>`
    SELECT c.*, (SELECT count(*) FROM case_votes v WHERE v.case_id = c.id)::int AS votes
    FROM cases c
    WHERE ${
    id === null ? sql`c.status = 'open'` : sql`c.id = ${id} AND c.status IN ('open', 'closed')`
  }
    ORDER BY c.id DESC LIMIT 3`;
  if (id !== null && rows.length === 0) return unknown(id, lang);
  if (rows.length === 0) {
    return es ? "Ahora mismo no hay ningún caso abierto." : "No case is open right now.";
  }
  const votes = (n: number) =>
    plural(lang, n, es ? { one: "voto", other: "votos" } : { one: "vote", other: "votes" });
  const open = (c: CaseRow & { votes: number }) => {
    if (c.closes_at <= now) { // voting closed; the closure (every 5 min) has yet to run
      return es
        ? `⚖️ Caso #${c.id}: ${c.title.es} — votación cerrada, ${
          votes(c.votes)
        }; resultados en breve.`
        : `⚖️ Case #${c.id}: ${c.title.en} — voting closed, ${votes(c.votes)}; results shortly.`;
    }
    const left = duration(lang, c.closes_at.getTime() - now.getTime());
    return es
      ? `⚖️ Caso #${c.id}: ${c.title.es} — cierra en ${left}, ${votes(c.votes)} hasta ahora.`
      : `⚖️ Case #${c.id}: ${c.title.en} — closes in ${left}, ${votes(c.votes)} so far.`;
  };
  if (id === null || rows[0].status === "open") {
    const tail = es
      ? "Vota con los botones bajo su mensaje; responde al mensaje para argumentar."
      : "Vote with the buttons under its post; reply to the post to argue.";
    return [...rows.map(open), tail].join("\n");
  }
  const c = rows[0];
  const counts = await sql<{ option: string; n: number }[]>`
    SELECT option, count(*)::int AS n FROM case_votes WHERE case_id = ${c.id} GROUP BY option`;
  const top = await sql<{ name: string; votes: number }[]>`
    SELECT coalesce(nullif(m.display_name, ''), 'user' || a.user_id) AS name, a.votes
    FROM case_arguments a LEFT JOIN members m ON m.chat_id = a.chat_id AND m.user_id = a.user_id
    WHERE a.case_id = ${c.id} AND a.rank IS NOT NULL ORDER BY a.rank`;
  const verdict = c.options.find((o) => o.id === c.verdict)!.label[lang];
  const lines = c.options.map((o) =>
    `${o.id === c.verdict ? "✅" : "▫️"} ${o.label[lang]}: ${
      votes(counts.find((x) => x.option === o.id)?.n ?? 0)
    }`
  );
  const medals = ["🥇", "🥈", "🥉"];
  return [
    es ? `⚖️ Caso #${c.id} (cerrado): ${c.title.es}` : `⚖️ Case #${c.id} (closed): ${c.title.en}`,
    es ? `Veredicto: ${verdict}` : `Verdict: ${verdict}`,
    ...lines,
    ...top.map((a, i) => `${medals[i]} ${a.name} (${number(lang, a.votes)} 👍)`),
    es ? `Compruébalo: /verify ${c.id}` : `Check it: /verify ${c.id}`,
  ].join("\n");
}

/**
 * `/verify <id>`: once closed, the computation anyone can redo — the revealed verdict and salt,
 * their sha256, and whether it is the commitment published when the case opened.
 */
export async function verifyText(sql: postgres.Sql, id: number, lang: Language): Promise<string> {
  const es = lang === "es";
  const [c] = await sql<CaseRow[]>`
    SELECT * FROM cases WHERE id = ${id} AND status IN ('open', 'closed')`;
  if (!c) return unknown(id, lang);
  if (c.status === "open") {
    return es
      ? `El caso #${id} sigue abierto: el veredicto y la sal se revelan al cerrar. Compromiso publicado: ${c.commitment}`
      : `Case #${id} is still open: its verdict and salt are revealed when it closes. Published commitment: ${c.commitment}`;
  }
  const computed = await commitmentOf(c.verdict, c.salt);
  const ok = computed === c.commitment;
  return [
    `sha256("${c.verdict}" ‖ "${c.salt}") = ${computed}`,
    ok
      ? (es
        ? "✅ Coincide con el compromiso publicado al abrir el caso."
        : "✅ It matches the commitment published when the case opened.")
      : (es
        ? `❌ No coincide con el compromiso publicado: ${c.commitment}`
        : `❌ It does not match the published commitment: ${c.commitment}`),
  ].join("\n");
}
